package io.github.reflink4j;

/**
 * How a copy moved its data, as reported by {@link CopyResult#method()}.
 *
 * <pre>{@code
 * if (Reflink.auto(source, target).method() != CopyMethod.CLONE) {
 *     log.info("{} was copied, not cloned: it uses its own disk space", target);
 * }
 * }</pre>
 */
public enum CopyMethod {
    /** The target shares the source's blocks (FICLONE or FICLONERANGE). */
    CLONE,
    /** The kernel copied the data (copy_file_range); on some file systems it may share blocks too. */
    COPY_FILE_RANGE,
    /** reflink4j read the data and wrote it (or the JDK copied it, where reflink4j cannot go native). */
    READ_WRITE,
    /** Nothing had to be copied: the same file, a directory, a symbolic link, an empty range. */
    NONE
}

package io.github.reflink4j;

import java.nio.file.CopyOption;

/**
 * How a copy may move data: whether it must, may or must not share the source's blocks.
 *
 * <p>Pass one to {@link Reflink#copy} or, through a reflink file system, to
 * {@link java.nio.file.Files#copy(java.nio.file.Path, java.nio.file.Path, CopyOption...)}:
 *
 * <pre>{@code
 * Reflink.copy(Path.of("vm.img"), Path.of("vm-snapshot.img"), ReflinkCopyOption.ALWAYS);
 * }</pre>
 *
 * <p>At most one of them may be given to a copy; none means {@link #AUTO}. Both paths of a
 * {@code Files.copy} must belong to one reflink file system ({@link Reflink#wrap}): between a
 * reflink path and a plain one the JDK copies by itself, and rejects the option with
 * "'ALWAYS' is not a recognized copy option"; {@link Reflink#copy} takes any two paths.
 */
public enum ReflinkCopyOption implements CopyOption {
    /**
     * Clone or fail: the target shares every block with the source, or the copy throws
     * {@link ReflinkFailedException} (this file system or these files cannot be cloned) or
     * {@link ReflinkUnsupportedException} (this platform cannot clone at all), and nothing is
     * left behind.
     */
    ALWAYS,
    /**
     * Clone where the file system can; otherwise the fastest real copy (copy_file_range, then
     * read and write), keeping holes. Errors that a different method cannot mend (no space, I/O
     * error, read-only file system) fail the copy instead of falling back.
     */
    AUTO,
    /**
     * A real copy whose blocks are not shared with the source, for when the target must not
     * depend on the source's extents (for example before the source is overwritten in place by
     * a program that does not expect copy-on-write). Holes are kept.
     */
    NEVER;

    /**
     * The mode named {@code always}, {@code auto} or {@code never} (any case, surrounding blanks
     * ignored), as the file system's {@code mode}, {@code -Dreflink4j.mode} and the command
     * line's {@code --reflink} take it.
     *
     * <pre>{@code
     * ReflinkCopyOption mode = ReflinkCopyOption.fromName(System.getenv().getOrDefault("COPY_MODE", "auto"));
     * }</pre>
     *
     * @param name {@code always}, {@code auto} or {@code never}, in any case, blanks around it ignored
     * @return the mode of that name
     * @throws IllegalArgumentException for any other name, saying which are allowed
     */
    public static ReflinkCopyOption fromName(String name) {
        for (ReflinkCopyOption mode : values()) {
            if (mode.name().equalsIgnoreCase(name.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not one of always, auto, never");
    }
}

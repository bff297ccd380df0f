package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Follows a {@link Reflink#dedupeTree tree dedupe} as it goes, for a progress bar or a log.
 * Called from the deduplicating threads, concurrently: implementations must be thread-safe and
 * quick. A listener that throws (a RuntimeException) does not stop the dedupe, in this group or
 * others, nor leave a file open; its exception is recorded as a failure of the file it was told
 * about (an IOException whose cause it is).
 *
 * <pre>{@code
 * LongAdder done = new LongAdder();
 * TreeDedupeListener listener = new TreeDedupeListener() {
 *     public void candidatesFound(long files, long bytes) {
 *         System.err.println(files + " files of a size some other file has, " + bytes + " bytes");
 *     }
 *     public void deduplicated(Path source, Path target, DedupeResult result) {
 *         done.add(result.bytesCompared());
 *     }
 * };
 * Reflink.dedupeTree(List.of(Path.of("/data")), TreeDedupe.options().listener(listener));
 * }</pre>
 */
public interface TreeDedupeListener {
    /** A listener that is told nothing: the default of {@link TreeDedupe#options()}. */
    TreeDedupeListener SILENT = new TreeDedupeListener() {};

    /**
     * The tree is listed: {@code files} regular files share their size with another file on the
     * same file system, {@code bytes} in all. Everything else is unique and is not read.
     *
     * @param files the number of candidates
     * @param bytes their size in all
     */
    default void candidatesFound(long files, long bytes) {}

    /**
     * Every file of a group of candidates that turned out unique (by its probed blocks) was set aside.
     *
     * @param files the number of files set aside
     * @param bytes their size in all
     */
    default void setAside(long files, long bytes) {}

    /**
     * The kernel compared {@code target} with {@code source} and shared what was identical.
     *
     * @param source the file whose blocks were kept
     * @param target the file made to share them
     * @param result what the kernel shared, and whether the files differ
     */
    default void deduplicated(Path source, Path target, DedupeResult result) {}

    /**
     * {@code target} already shares every block of {@code source}: nothing was asked of the kernel.
     *
     * @param source the group's source
     * @param target the file that shares its blocks
     * @param bytes the target's size
     */
    default void alreadyShared(Path source, Path target, long bytes) {}

    /**
     * A dry run found {@code target} identical to {@code source}.
     *
     * @param source the file whose blocks would be kept
     * @param target the identical file
     * @param bytes the bytes a real run would share
     */
    default void wouldDedupe(Path source, Path target, long bytes) {}

    /**
     * A file could not be read or deduplicated ({@code other} may be null); the rest goes on.
     *
     * @param file the file that failed
     * @param other the other file of the request, or null
     * @param error why it failed
     */
    default void failed(Path file, Path other, IOException error) {}
}

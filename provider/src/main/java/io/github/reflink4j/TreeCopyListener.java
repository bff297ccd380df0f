package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Follows a {@link Reflink#copyTree tree copy} as it goes, for a progress bar or a log. Called
 * from the copying threads, concurrently: implementations must be thread-safe and quick.
 *
 * <pre>{@code
 * LongAdder done = new LongAdder();
 * TreeCopyListener listener = new TreeCopyListener() {
 *     public void fileCopied(Path source, Path target, CopyResult result) {
 *         done.add(result.bytes());
 *     }
 * };
 * Reflink.copyTree(source, target, TreeCopy.options().listener(listener));
 * }</pre>
 */
public interface TreeCopyListener {
    /** The tree was scanned: this many files with this many bytes will be copied. */
    default void started(long files, long bytes) {
    }

    /** A regular file was copied. */
    default void fileCopied(Path source, Path target, CopyResult result) {
    }

    /** An entry could not be copied; the copy goes on. */
    default void failed(Path source, Path target, IOException error) {
    }
}

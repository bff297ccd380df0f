package io.github.reflink4j;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Reflink#copyTree tree copy} did.
 *
 * <pre>{@code
 * TreeCopySummary s = Reflink.copyTree(Path.of("build"), Path.of("build-copy"));
 * System.out.println(s.files() + " files, " + s.clonedBytes() + " bytes cloned, "
 *         + s.copiedBytes() + " copied, " + s.failures().size() + " failed");
 * }</pre>
 *
 * @param files       regular files copied; with hard links kept, every name counts, and the
 *                    bytes of an inode count once, with its first name
 * @param directories directories created, or merged into where they existed, the root included
 * @param symlinks    symbolic links copied as links, and FIFOs, sockets and device nodes created
 * @param clonedBytes bytes that share the source's blocks
 * @param copiedBytes bytes really copied
 * @param failures    entries that could not be copied
 * @param leftoversRemoved temporary files of earlier, killed copies removed from target
 *                    directories that already existed (see {@link Reflink#removeLeftovers})
 */
public record TreeCopySummary(
        long files,
        long directories,
        long symlinks,
        long clonedBytes,
        long copiedBytes,
        List<TreeCopyFailure> failures,
        List<Path> leftoversRemoved) {
    /**
     * Keeps unmodifiable copies of the lists.
     *
     * @param files regular files copied; with hard links kept, every name counts, and the bytes of an inode
     *        count once, with its first name
     * @param directories directories created, or merged into where they existed, the root included
     * @param symlinks symbolic links copied as links, and FIFOs, sockets and device nodes created
     * @param clonedBytes bytes that share the source's blocks
     * @param copiedBytes bytes really copied
     * @param failures entries that could not be copied
     * @param leftoversRemoved temporary files of earlier, killed copies removed from target directories that
     *        already existed (see {@link Reflink#removeLeftovers})
     */
    public TreeCopySummary {
        failures = List.copyOf(failures);
        leftoversRemoved = List.copyOf(leftoversRemoved);
    }

    /**
     * A summary of a copy that removed no leftovers.
     *
     * @param files regular files copied
     * @param directories directories created or merged into
     * @param symlinks symbolic links copied as links
     * @param clonedBytes bytes that share the source's blocks
     * @param copiedBytes bytes really copied
     * @param failures entries that could not be copied
     */
    public TreeCopySummary(
            long files,
            long directories,
            long symlinks,
            long clonedBytes,
            long copiedBytes,
            List<TreeCopyFailure> failures) {
        this(files, directories, symlinks, clonedBytes, copiedBytes, failures, List.of());
    }

    /**
     * True when every entry was copied.
     *
     * @return whether {@link #failures()} is empty
     */
    public boolean succeeded() {
        return failures.isEmpty();
    }
}

package io.github.reflink4j;

import java.util.List;

/**
 * What a {@link Reflink#dedupeTree tree dedupe} did.
 *
 * <pre>{@code
 * TreeDedupeSummary s = Reflink.dedupeTree(List.of(Path.of("/data")), TreeDedupe.options());
 * System.out.println(s.groups() + " groups, " + s.files() + " files deduplicated, "
 *         + s.bytesDeduplicated() + " bytes now shared, " + s.bytesAlreadyShared() + " were already");
 * s.failures().forEach(f -> System.err.println(f.file() + ": " + f.error().getMessage()));
 * }</pre>
 *
 * @param groups             groups of files found identical (or nearly: the kernel decides), each
 *                           deduplicated against one of its files
 * @param files              files other than a group's source that were offered to the kernel
 *                           (in a dry run: that would be)
 * @param bytesDeduplicated  bytes the kernel found identical and shared (in a dry run: the bytes
 *                           of the files that would be offered)
 * @param filesAlreadyShared files that already shared every block with their group's source, so
 *                           were skipped without a request
 * @param bytesAlreadyShared the bytes of those files and of already shared ranges of the others
 * @param differing          files the kernel found to differ from their source somewhere: the
 *                           blocks they have in common are shared, the rest stays their own
 * @param requests           FIDEDUPERANGE requests issued (each with up to 127 destinations)
 * @param failures           files that could not be read or deduplicated; the rest went on
 */
public record TreeDedupeSummary(
        long groups,
        long files,
        long bytesDeduplicated,
        long filesAlreadyShared,
        long bytesAlreadyShared,
        long differing,
        long requests,
        List<DedupeFailure> failures) {
    /**
     * Keeps an unmodifiable copy of the failures.
     *
     * @param groups groups of files found identical (or nearly: the kernel decides), each deduplicated
     *        against one of its files
     * @param files files other than a group's source that were offered to the kernel (in a dry run: that
     *        would be)
     * @param bytesDeduplicated bytes the kernel found identical and shared (in a dry run: the bytes of the
     *        files that would be offered)
     * @param filesAlreadyShared files that already shared every block with their group's source, so were
     *        skipped without a request
     * @param bytesAlreadyShared the bytes of those files and of already shared ranges of the others
     * @param differing files the kernel found to differ from their source somewhere: the blocks they have in
     *        common are shared, the rest stays their own
     * @param requests FIDEDUPERANGE requests issued (each with up to 127 destinations)
     * @param failures files that could not be read or deduplicated; the rest went on
     */
    public TreeDedupeSummary {
        failures = List.copyOf(failures);
    }

    /**
     * True when no file failed.
     *
     * @return whether {@link #failures()} is empty
     */
    public boolean succeeded() {
        return failures.isEmpty();
    }
}

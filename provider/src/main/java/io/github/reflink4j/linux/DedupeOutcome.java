package io.github.reflink4j.linux;

/**
 * What one FIDEDUPERANGE request did for one of its destinations.
 *
 * <pre>{@code
 * DedupeOutcome[] outcomes = sys.dedupeRange(in, 0, 16 << 20, new int[] {b, c}, new long[] {0, 0});
 * if (outcomes[1].errno() == 0 && !outcomes[1].differs()) {
 *     shared += outcomes[1].bytesDeduplicated();
 * }
 * }</pre>
 *
 * @param bytesDeduplicated bytes the kernel made shared
 * @param differs           the kernel compared the ranges and found them different
 * @param errno             why the kernel refused this destination (its {@code status} was
 *                          negative), or 0; the other destinations of the request are unaffected
 */
public record DedupeOutcome(long bytesDeduplicated, boolean differs, int errno) {
    /**
     * An outcome the kernel did not refuse.
     *
     * @param bytesDeduplicated bytes the kernel made shared
     * @param differs           the kernel compared the ranges and found them different
     */
    public DedupeOutcome(long bytesDeduplicated, boolean differs) {
        this(bytesDeduplicated, differs, 0);
    }
}

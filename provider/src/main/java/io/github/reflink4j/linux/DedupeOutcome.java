package io.github.reflink4j.linux;

/**
 * What one FIDEDUPERANGE request did for its one destination.
 *
 * @param bytesDeduplicated bytes the kernel made shared
 * @param differs           the kernel compared the ranges and found them different
 */
public record DedupeOutcome(long bytesDeduplicated, boolean differs) { }

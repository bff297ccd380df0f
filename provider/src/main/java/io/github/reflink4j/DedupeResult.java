package io.github.reflink4j;

/**
 * What {@link Reflink#dedupe(java.nio.file.Path, java.nio.file.Path)} did: how many bytes of the
 * target now share the source's blocks, and whether the kernel found data that differ.
 *
 * <pre>{@code
 * DedupeResult r = Reflink.dedupe(Path.of("a.iso"), Path.of("copy-of-a.iso"));
 * if (!r.differs()) {
 *     System.out.println(r.bytesDeduplicated() + " bytes now stored once");
 * }
 * }</pre>
 *
 * @param bytesCompared     bytes the kernel compared (the length both files have)
 * @param bytesDeduplicated bytes found identical and now shared
 * @param differs           some compared data differ, or the files' sizes differ
 */
public record DedupeResult(long bytesCompared, long bytesDeduplicated, boolean differs) {}

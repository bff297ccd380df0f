package io.github.reflink4j;

/**
 * How much of a file's data shares blocks with other files, from the file system's extent map
 * (FS_IOC_FIEMAP): the answer to "did the clone work, and how much space does this really use?".
 *
 * <pre>{@code
 * SharingReport r = Reflink.sharing(Path.of("vm-copy.img"));
 * System.out.printf("%d of %d bytes shared, %d exclusive, %d in holes%n",
 *         r.sharedBytes(), r.size(), r.exclusiveBytes(), r.holeBytes());
 * }</pre>
 *
 * <p>{@code sharedBytes + exclusiveBytes + holeBytes == size}. "Shared" means the bytes' blocks
 * are also used by another file (a clone, a deduplicated copy, a snapshot); summing it over
 * several files counts a block once per file that uses it. On a file system without FIEMAP
 * (tmpfs) nothing is shared and the allocated size stands for the data.
 *
 * @param size           the logical size in bytes
 * @param sharedBytes    bytes whose blocks other files use too
 * @param exclusiveBytes bytes whose blocks only this file uses
 * @param holeBytes      bytes in holes, which use no blocks and read as zeros
 */
public record SharingReport(long size, long sharedBytes, long exclusiveBytes, long holeBytes) {
    /**
     * Checks that the figures add up to the size.
     *
     * @param size the logical size in bytes
     * @param sharedBytes bytes whose blocks other files use too
     * @param exclusiveBytes bytes whose blocks only this file uses
     * @param holeBytes bytes in holes, which use no blocks and read as zeros
     * @throws IllegalArgumentException for a negative figure, or parts that do not add up to {@code size}
     */
    public SharingReport {
        if (size < 0
                || sharedBytes < 0
                || exclusiveBytes < 0
                || holeBytes < 0
                || sharedBytes + exclusiveBytes + holeBytes != size) {
            throw new IllegalArgumentException("inconsistent figures: size " + size + ", shared " + sharedBytes
                    + ", exclusive " + exclusiveBytes + ", holes " + holeBytes);
        }
    }

    /**
     * The figures of several files added up.
     *
     * @param other the figures to add
     * @return the sums
     */
    public SharingReport plus(SharingReport other) {
        return new SharingReport(
                size + other.size,
                sharedBytes + other.sharedBytes,
                exclusiveBytes + other.exclusiveBytes,
                holeBytes + other.holeBytes);
    }

    /**
     * Nothing: the start of a sum.
     *
     * @return a report of zeros
     */
    public static SharingReport empty() {
        return new SharingReport(0, 0, 0, 0);
    }
}

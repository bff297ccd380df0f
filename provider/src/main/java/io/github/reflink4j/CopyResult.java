package io.github.reflink4j;

/**
 * What a copy did: how it moved the data and how many bytes the target received.
 *
 * <pre>{@code
 * CopyResult result = Reflink.copy(source, target);
 * System.out.printf("%s: %d bytes, %d of them cloned%n", result.method(), result.bytes(), result.clonedBytes());
 * }</pre>
 *
 * @param method      how the data moved; for a range that was partly cloned and partly copied,
 *                    the method that copied the rest
 * @param bytes       the logical bytes the target received (holes count, they read as zeros)
 * @param clonedBytes of those, the bytes that share the source's blocks
 */
public record CopyResult(CopyMethod method, long bytes, long clonedBytes) {
    private static final CopyResult NOTHING = new CopyResult(CopyMethod.NONE, 0, 0);

    public CopyResult {
        if (method == null) {
            throw new NullPointerException("method");
        }
        if (bytes < 0 || clonedBytes < 0 || clonedBytes > bytes) {
            throw new IllegalArgumentException("bytes " + bytes + ", cloned " + clonedBytes);
        }
    }

    /** Nothing had to be copied. */
    public static CopyResult none() {
        return NOTHING;
    }

    /** Every byte shares the source's blocks. */
    public static CopyResult cloned(long bytes) {
        return new CopyResult(CopyMethod.CLONE, bytes, bytes);
    }

    /** Every byte was copied with the given method. */
    public static CopyResult copied(CopyMethod method, long bytes) {
        return new CopyResult(method, bytes, 0);
    }

    /** The bytes that were really copied, and so use space of their own. */
    public long copiedBytes() {
        return bytes - clonedBytes;
    }
}

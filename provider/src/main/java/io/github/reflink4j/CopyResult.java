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

    /**
     * Checks the components: a method, no negative counts, no more bytes cloned than received.
     *
     * @param method how the data moved; for a range that was partly cloned and partly copied, the method that
     *        copied the rest
     * @param bytes the logical bytes the target received (holes count, they read as zeros)
     * @param clonedBytes of those, the bytes that share the source's blocks
     * @throws IllegalArgumentException for a negative count or more cloned bytes than bytes
     */
    public CopyResult {
        if (method == null) {
            throw new NullPointerException("method");
        }
        if (bytes < 0 || clonedBytes < 0 || clonedBytes > bytes) {
            throw new IllegalArgumentException("bytes " + bytes + ", cloned " + clonedBytes);
        }
    }

    /**
     * Nothing had to be copied.
     *
     * @return the result of a copy that received no bytes
     */
    public static CopyResult none() {
        return NOTHING;
    }

    /**
     * Every byte shares the source's blocks.
     *
     * @param bytes the bytes the target received, all cloned
     * @return a {@link CopyMethod#CLONE} result
     */
    public static CopyResult cloned(long bytes) {
        return new CopyResult(CopyMethod.CLONE, bytes, bytes);
    }

    /**
     * Every byte was copied with the given method.
     *
     * @param method how the bytes were copied
     * @param bytes the bytes the target received, none of them cloned
     * @return a result with no cloned bytes
     */
    public static CopyResult copied(CopyMethod method, long bytes) {
        return new CopyResult(method, bytes, 0);
    }

    /**
     * The bytes that were really copied, and so use space of their own.
     *
     * @return {@code bytes() - clonedBytes()}
     */
    public long copiedBytes() {
        return bytes - clonedBytes;
    }
}

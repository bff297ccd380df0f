package io.github.reflink4j;

import java.nio.file.FileSystemException;

/**
 * The source was written, cut or grown while its bytes were being copied, so the bytes read may
 * belong to no single state of it. Nothing was committed: a new target was removed, an existing
 * one is as it was. A clone never fails this way, since the kernel shares the blocks of one
 * moment; a copy (another file system, or {@link ReflinkCopyOption#NEVER}) compares the source's
 * size and modification time before and after (a rename, link or chmod meanwhile does not count).
 *
 * <pre>{@code
 * for (int attempt = 1; ; attempt++) {
 *     try {
 *         Reflink.copy(log, snapshot, ReflinkCopyOption.AUTO);
 *         break;
 *     } catch (SourceChangedException e) {
 *         if (attempt == 3) throw e;   // still being written: give up, or stop the writer first
 *     }
 * }
 * }</pre>
 */
public class SourceChangedException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    /** The source's size when the copy began. */
    private final long sizeBefore;
    /** The source's size when the copy ended. */
    private final long sizeAfter;

    /**
     * A copy found its source changed, and committed nothing.
     *
     * @param source the source path
     * @param target the target path
     * @param sizeBefore the source's size when the copy began
     * @param sizeAfter its size when the copy ended (the same when it was written without growing)
     */
    public SourceChangedException(String source, String target, long sizeBefore, long sizeAfter) {
        super(
                source,
                target,
                "the source changed while it was copied ("
                        + (sizeBefore == sizeAfter
                                ? "size " + sizeBefore + " bytes, written meanwhile"
                                : "size " + sizeBefore + " bytes, now " + sizeAfter)
                        + "); nothing was committed");
        this.sizeBefore = sizeBefore;
        this.sizeAfter = sizeAfter;
    }

    /**
     * The source's size when the copy began.
     *
     * @return the size in bytes
     */
    public long sizeBefore() {
        return sizeBefore;
    }

    /**
     * The source's size when the copy ended.
     *
     * @return the size in bytes
     */
    public long sizeAfter() {
        return sizeAfter;
    }
}

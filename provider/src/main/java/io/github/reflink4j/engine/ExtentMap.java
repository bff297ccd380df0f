package io.github.reflink4j.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.Extent;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Where a file's data lie on the device (FS_IOC_FIEMAP), reduced to what tells whether two files
 * already share their blocks: runs of (logical offset, physical offset, length), adjacent
 * extents merged. Only a map the file system states with certainty is kept: any extent that is
 * delayed, unwritten, inline, encoded, of an unknown place or at physical 0 makes the whole map
 * uncertain, and an uncertain map never counts as shared (so the kernel is asked instead).
 * The binding syncs the file before mapping it (FIEMAP_FLAG_SYNC), so a freshly written file's
 * delayed allocations are placed first; the dedupe would flush them anyway.
 */
final class ExtentMap {
    private static final int PAGE = 512;
    /** A map longer than this is not kept (uncertain): comparing it would cost more than asking the kernel. */
    private static final int MOST_EXTENTS = 64 * PAGE;
    /** FIEMAP_EXTENT_UNKNOWN, DELALLOC, ENCODED, DATA_ENCRYPTED, NOT_ALIGNED, DATA_INLINE, DATA_TAIL, UNWRITTEN. */
    private static final int UNCERTAIN = 0x2 | 0x4 | 0x8 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800;

    /** Runs: logical, physical, length, each run three longs. */
    private final long[] runs;

    private ExtentMap(long[] runs) {
        this.runs = runs;
    }

    /** What to do with each extent of a file; false stops the walk. */
    interface ExtentVisitor {
        boolean visit(Extent extent);
    }

    /** Pages through the file's extents from its start to {@code size}, as long as {@code visitor} wants more. */
    static void forEach(Syscalls sys, int fd, long size, ExtentVisitor visitor) throws NativeException {
        long start = 0;
        while (start < size) {
            List<Extent> page = sys.extents(fd, start, PAGE);
            if (page.isEmpty()) {
                return;
            }
            for (Extent extent : page) {
                if (!visitor.visit(extent)) {
                    return;
                }
            }
            Extent last = page.get(page.size() - 1);
            if (last.isLast() || page.size() < PAGE) {
                return;
            }
            start = last.end();
        }
    }

    /** The map of the file's first {@code size} bytes, or null when it is uncertain. */
    static ExtentMap read(Syscalls sys, int fd, long size) throws NativeException {
        List<long[]> merged = new ArrayList<>();
        long[] covered = {0};
        boolean[] certain = {true};
        try {
            forEach(sys, fd, size, extent -> {
                if ((extent.flags() & UNCERTAIN) != 0 || extent.physical() == 0 || merged.size() > MOST_EXTENTS) {
                    certain[0] = false;
                    return false;
                }
                long logical = extent.logical();
                long end = Math.min(extent.end(), size);
                if (end > logical) {
                    long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
                    if (last != null && last[0] + last[2] == logical && last[1] + last[2] == extent.physical()) {
                        last[2] += end - logical;
                    } else {
                        merged.add(new long[] {logical, extent.physical(), end - logical});
                    }
                    covered[0] += end - logical;
                }
                return true;
            });
        } catch (NativeException e) {
            if (e.is(Errno.EOPNOTSUPP, Errno.ENOTTY)) {
                return null; // no extent map (tmpfs): the kernel is asked, and says whether it can dedupe
            }
            throw e;
        }
        if (!certain[0] || covered[0] != size) {
            return null; // uncertain, or holes: not worth the arithmetic, the kernel is asked
        }
        long[] runs = new long[merged.size() * 3];
        for (int i = 0; i < merged.size(); i++) {
            System.arraycopy(merged.get(i), 0, runs, i * 3, 3);
        }
        return new ExtentMap(runs);
    }

    /**
     * The ranges of this file ({@code [start, end)} pairs, in order) whose blocks are not the
     * ones {@code other} has at the same offsets: empty when the two share everything.
     */
    List<long[]> notSharedWith(ExtentMap other, long size) {
        List<long[]> notShared = new ArrayList<>();
        long position = 0;
        int i = 0;
        int j = 0;
        while (i < runs.length && j < other.runs.length) {
            long start = Math.max(runs[i], other.runs[j]);
            long end = Math.min(runs[i] + runs[i + 2], other.runs[j] + other.runs[j + 2]);
            if (start < end && runs[i + 1] - runs[i] == other.runs[j + 1] - other.runs[j]) {
                if (start > position) {
                    notShared.add(new long[] {position, start});
                }
                position = end;
            }
            if (runs[i] + runs[i + 2] <= other.runs[j] + other.runs[j + 2]) {
                i += 3;
            } else {
                j += 3;
            }
        }
        if (position < size) {
            notShared.add(new long[] {position, size});
        }
        return notShared;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ExtentMap map && Arrays.equals(runs, map.runs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(runs);
    }
}

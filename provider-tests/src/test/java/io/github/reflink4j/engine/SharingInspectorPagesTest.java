package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.SharingReport;
import io.github.reflink4j.linux.Extent;
import io.github.reflink4j.linux.NativeException;
import org.junit.jupiter.api.Test;

/**
 * {@code reflink du}'s sums at the system-call seam: FIEMAP answers a page of 512 extents, and
 * the next page (asked from the end of the last extent) can begin with an extent that started
 * before it, already counted: it is clipped, never counted twice.
 */
class SharingInspectorPagesTest {
    private static final long BLOCK = 4096;

    @Test
    void anExtentReturnedAgainOnTheNextPage_isCountedOnce() throws NativeException {
        List<Extent> first = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            first.add(new Extent(i * BLOCK, (1000 + i) * BLOCK, BLOCK, Extent.SHARED));
        }
        // the last extent of the first page again, grown by a block, then an exclusive block
        List<Extent> second = List.of(
                new Extent(511 * BLOCK, 1511 * BLOCK, 2 * BLOCK, Extent.SHARED),
                new Extent(513 * BLOCK, 5000 * BLOCK, BLOCK, Extent.LAST));
        List<Long> asked = new ArrayList<>();
        FaultySyscalls faults = new FaultySyscalls().on("extents", call -> {
            long start = (Long) call.args()[1];
            asked.add(start);
            return start == 0 ? first : second;
        });
        long size = 514 * BLOCK;

        SharingReport report = SharingInspector.fromExtents(faults.syscalls(), -1, size);

        assertEquals(List.of(0L, 512 * BLOCK), asked, "the pages asked for");
        assertEquals(new SharingReport(size, 513 * BLOCK, BLOCK, 0), report);
    }
}

package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;

/**
 * {@code HeapUse ALWAYS|AUTO|NEVER SOURCE TARGET}: one {@code Reflink.copy} in a fresh JVM (the
 * script starts it with {@code -Xmx64m}), and the heap it used meanwhile. Prints
 *
 * <pre>
 * ok mode=… method=… bytes=… cloned=… elapsed_ns=… peak_heap_bytes=… before_heap_bytes=… gc_count=… gc_ms=… max_heap_bytes=…
 * </pre>
 *
 * peak_heap_bytes is the sum over the heap's memory pools of each pool's peak since a reset
 * taken just before the copy (after a System.gc()): an upper bound of the heap in use at any one
 * moment of the copy, class loading of the first copy included.
 */
public final class HeapUse {
    private HeapUse() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: HeapUse ALWAYS|AUTO|NEVER SOURCE TARGET");
            System.exit(2);
        }
        ReflinkCopyOption mode = ReflinkCopyOption.valueOf(args[0]);
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isValid())
                .toList();
        System.gc();
        long before = 0;
        for (MemoryPoolMXBean pool : pools) {
            pool.resetPeakUsage();
            before += pool.getUsage().getUsed();
        }
        long[] gcBefore = collections();
        long start = System.nanoTime();
        CopyResult result = Reflink.copy(Path.of(args[1]), Path.of(args[2]), mode);
        long elapsed = System.nanoTime() - start;
        long peak = 0;
        for (MemoryPoolMXBean pool : pools) {
            peak += pool.getPeakUsage().getUsed();
        }
        long[] gcAfter = collections();
        System.out.printf(
                "ok mode=%s method=%s bytes=%d cloned=%d elapsed_ns=%d peak_heap_bytes=%d before_heap_bytes=%d"
                        + " gc_count=%d gc_ms=%d max_heap_bytes=%d%n",
                mode,
                result.method(),
                result.bytes(),
                result.clonedBytes(),
                elapsed,
                peak,
                before,
                gcAfter[0] - gcBefore[0],
                gcAfter[1] - gcBefore[1],
                Runtime.getRuntime().maxMemory());
    }

    private static long[] collections() {
        long count = 0, millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }
}

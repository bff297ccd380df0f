package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.TestFileSystem;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import net.jqwik.api.statistics.Statistics;
import org.opentest4j.TestAbortedException;

/**
 * {@link Reflink#partial} as a property: random sequences of range copies between three files
 * (the third may start absent), each step checked against an in-memory model of every file's
 * bytes. The generated ranges are block-aligned or not, overlap or not (between different files;
 * in one file the overlapping ones must be refused), start past the source's end, run past it,
 * or are empty; the mode is ALWAYS, AUTO or NEVER, through paths or through channels.
 *
 * <p>The model states what the javadoc documents: a range past the source's end copies what
 * exists (the effective length is {@code min(length, size - sourceOffset)}, never negative); the
 * target grows to {@code targetOffset + effective} when that is past its end, with zeros in any
 * gap; an absent target is created; a copy with nothing to copy returns {@link CopyResult#none()};
 * overlapping ranges of one file throw IllegalArgumentException and change nothing. ALWAYS
 * clones exactly when the kernel can (both offsets on a 4 KiB block boundary, and the length a
 * whole number of blocks or reaching the source's end at or past the target's end), returns
 * {@code CopyResult.cloned(effective)}, and otherwise throws ReflinkFailedException leaving the
 * target unchanged (and an absent target absent). AUTO and NEVER always copy; AUTO clones
 * whatever ALWAYS could and otherwise the whole blocks in the middle when both offsets sit at
 * the same place within a block (one deviation is accepted and counted as "copied, whole blocks
 * not cloned": a range reaching the source's unaligned end inside the target is copied whole);
 * NEVER shares nothing and reads and writes. Channels keep their positions. After every try no
 * descriptor is open on the try's files and no temporary file is left.
 *
 * <p>jqwik prints each property's seed ({@code seed = ...}) and, on a failure, the shrunk
 * sequence of steps. To replay: the next run of a failed property starts with the failing sample,
 * then its seed (jqwik's database is kept in {@code provider-tests/target/jqwik-database}, see
 * {@code junit-platform.properties}); or set the seed in the annotation, e.g.
 * {@code @Property(tries = 2500, seed = "-8123456789")}, and run
 * {@code src/run-tests.sh -q -Dtest=RangeCopyPropertyTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RangeCopyPropertyTest {
    private static final int BLOCK = 4096;
    /** Past any file's end here, and far from overflowing. */
    private static final long PAST_ANY_END = 1L << 40;

    /** One range copy: file indexes, the range, the mode, and whether it goes through channels. */
    record Step(int from, int to, long sourceOffset, long targetOffset, long length, ReflinkCopyOption mode,
                boolean channels) {
        @Override
        public String toString() {
            return "partial(f" + from + "@" + sourceOffset + " -> f" + to + "@" + targetOffset + ", "
                    + (length == PAST_ANY_END ? "2^40" : length) + ", " + mode + (channels ? ", channels)" : ")");
        }
    }

    /** The files a try starts with: a size each, -1 for absent (only the third). */
    record Start(int size0, int size1, int size2, long seed) {
        int[] sizes() {
            return new int[] {size0, size1, size2};
        }
    }

    @Property(tries = 2500, shrinking = ShrinkingMode.BOUNDED)
    @On(TestFileSystem.BTRFS)
    void rangeCopies_onBtrfs_matchTheModel(@ForAll("starts") Start start, @ForAll("clonableSteps") List<Step> steps)
            throws IOException {
        run(TestFileSystem.BTRFS, start, steps);
    }

    @Property(tries = 2500, shrinking = ShrinkingMode.BOUNDED)
    @On(TestFileSystem.XFS)
    void rangeCopies_onXfs_matchTheModel(@ForAll("starts") Start start, @ForAll("clonableSteps") List<Step> steps)
            throws IOException {
        run(TestFileSystem.XFS, start, steps);
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    @On(TestFileSystem.EXT4)
    void rangeCopies_onExt4_matchTheModel(@ForAll("starts") Start start, @ForAll("copyingSteps") List<Step> steps)
            throws IOException {
        run(TestFileSystem.EXT4, start, steps);
    }

    /**
     * The file system a property runs on. A missing one skips the whole property, as
     * {@link TestFileSystem#unavailable} says (jqwik would count an assumption failing in every try
     * as a failure: "exhausted"); under REFLINK4J_REQUIRE_FS=1 the property fails.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @AddLifecycleHook(SkipWithoutFileSystem.class)
    @interface On {
        TestFileSystem value();
    }

    static final class SkipWithoutFileSystem implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            Optional<On> on = context.findAnnotation(On.class);
            if (on.isEmpty()) {
                return SkipResult.doNotSkip();
            }
            try {
                on.get().value().mountPoint();
            } catch (TestAbortedException e) {
                return SkipResult.skip(e.getMessage());
            }
            return SkipResult.doNotSkip();
        }
    }

    @Provide
    Arbitrary<Start> starts() {
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0L)),
                Tuple.of(5, blocks(2, 12)),
                Tuple.of(5, uniform(1, 12 * BLOCK))).map(Math::toIntExact);
        Arbitrary<Integer> third = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(-1)), Tuple.of(4, size));
        return Combinators.combine(size, size, third, Arbitraries.longs()).as(Start::new).withoutEdgeCases();
    }

    /** Steps in all three modes, ALWAYS often enough on aligned ranges to clone. */
    @Provide
    Arbitrary<List<Step>> clonableSteps() {
        return steps(Arbitraries.of(ReflinkCopyOption.ALWAYS, ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER));
    }

    /** On a file system that cannot clone: mostly AUTO and NEVER, ALWAYS now and then (it must fail cleanly). */
    @Provide
    Arbitrary<List<Step>> copyingSteps() {
        return steps(Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(ReflinkCopyOption.AUTO)),
                Tuple.of(3, Arbitraries.just(ReflinkCopyOption.NEVER)),
                Tuple.of(1, Arbitraries.just(ReflinkCopyOption.ALWAYS))));
    }

    private static Arbitrary<List<Step>> steps(Arbitrary<ReflinkCopyOption> modes) {
        Arbitrary<Integer> file = uniform(0, 2).map(Math::toIntExact);
        Arbitrary<Long> sourceOffset = Arbitraries.frequencyOf(
                Tuple.of(8, blocks(0, 6)),
                Tuple.of(6, uniform(0, 6 * BLOCK)),
                Tuple.of(2, blocks(1, 6).map(offset -> offset - 1)),
                Tuple.of(1, uniform(12 * BLOCK, 14 * BLOCK))); // past every starting size
        Arbitrary<Long> targetOffset = Arbitraries.frequencyOf(
                Tuple.of(4, blocks(0, 12)),
                Tuple.of(3, uniform(0, 12 * BLOCK)),
                Tuple.of(1, blocks(1, 12).map(offset -> offset - 1)));
        // now and then the target offset is moved to the source offset's place within a block
        Arbitrary<Boolean> samePlaceInBlock = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Long> length = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0L)),
                Tuple.of(8, blocks(1, 8)),
                Tuple.of(6, uniform(1, 10 * BLOCK)),
                Tuple.of(5, Arbitraries.just(PAST_ANY_END)));
        Arbitrary<Boolean> channels = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        return Combinators.combine(file, file, sourceOffset, targetOffset, samePlaceInBlock, length, modes, channels)
                .as((from, to, at, into, samePlace, n, mode, viaChannels) -> new Step(from, to, at,
                        samePlace ? into - into % BLOCK + at % BLOCK : into, n, mode, viaChannels))
                .withoutEdgeCases() // jqwik would inject them into most steps; the frequencies above hold them
                .list().ofMinSize(1).ofMaxSize(10);
    }

    /** Evenly spread: jqwik's default favours values near the lower bound (tiny files, ranges past their end). */
    private static Arbitrary<Long> uniform(long min, long max) {
        return Arbitraries.longs().between(min, max).withDistribution(RandomDistribution.uniform());
    }

    /** Multiples of the block size, from {@code min} to {@code max} blocks. */
    private static Arbitrary<Long> blocks(int min, int max) {
        return uniform(min, max).map(blocks -> blocks * BLOCK);
    }

    private static void run(TestFileSystem fs, Start start, List<Step> steps) throws IOException {
        Path mount = fs.mountPoint();
        Path dir = Files.createTempDirectory(mount, "RangeCopyPropertyTest-");
        try {
            Path[] paths = {dir.resolve("f0"), dir.resolve("f1"), dir.resolve("f2")};
            byte[][] model = new byte[3][];
            Random random = new Random(start.seed());
            for (int i = 0; i < 3; i++) {
                int size = start.sizes()[i];
                if (size >= 0) {
                    model[i] = new byte[size];
                    random.nextBytes(model[i]);
                    Files.write(paths[i], model[i]);
                }
            }
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                String where = "step " + (i + 1) + " of " + steps + " on " + fs;
                Statistics.label("outcome").collect(apply(fs, step, paths, model, where));
                assertFilesMatch(paths, model, where);
            }
            assertEquals(List.of(), Leaks.temporaryFiles(dir), "temporary files left in " + dir);
            // only this try's files: jqwik may still be shrinking an earlier property's failure in another thread
            assertEquals(List.of(), Leaks.openDescriptorsOnTestFileSystems().stream()
                    .filter(fd -> fd.contains(dir + "/")).toList(), "descriptors left open");
        } finally {
            deleteTree(dir);
        }
        Statistics.label("outcome").coverage(coverage -> {
            for (String outcome : fs.clones()
                    ? new String[] {"cloned", "partly cloned", "copied", "refused (ALWAYS)", "nothing to copy",
                            "overlap refused"}
                    : new String[] {"copied", "refused (ALWAYS)", "nothing to copy", "overlap refused"}) {
                coverage.check(outcome).count(n -> n > 0);
            }
        });
    }

    /** Performs one step, checks its result against the model, updates the model; returns the outcome's name. */
    private static String apply(TestFileSystem fs, Step step, Path[] paths, byte[][] model, String where)
            throws IOException {
        byte[] source = model[step.from()];
        if (source == null) {
            // the source is the absent third file
            try {
                Reflink.partial(paths[step.from()], step.sourceOffset(), paths[step.to()], step.targetOffset(),
                        step.length(), step.mode());
                fail(where + ": copied from an absent file");
            } catch (NoSuchFileException expected) {
                return "absent source";
            }
        }
        byte[] target = model[step.to()];
        boolean sameFile = step.from() == step.to();
        long effective = Math.min(step.length(), Math.max(0, source.length - step.sourceOffset()));
        boolean overlap = sameFile && effective > 0 && step.sourceOffset() < step.targetOffset() + effective
                && step.targetOffset() < step.sourceOffset() + effective;
        long targetSize = target == null ? 0 : target.length;
        boolean clonable = step.sourceOffset() % BLOCK == 0 && step.targetOffset() % BLOCK == 0
                && (effective % BLOCK == 0
                || step.sourceOffset() + effective == source.length && step.targetOffset() + effective >= targetSize);
        boolean refused = step.mode() == ReflinkCopyOption.ALWAYS && effective > 0 && !overlap
                && !(fs.clones() && clonable);
        boolean channels = step.channels() && target != null;

        CopyResult result;
        try {
            result = channels ? viaChannels(step, paths) : Reflink.partial(paths[step.from()], step.sourceOffset(),
                    paths[step.to()], step.targetOffset(), step.length(), step.mode());
        } catch (IllegalArgumentException e) {
            assertTrue(overlap, where + ": refused as overlapping: " + e);
            return "overlap refused";
        } catch (ReflinkFailedException e) {
            assertTrue(refused, where + ": ALWAYS failed on a range the kernel can clone: " + e);
            return "refused (ALWAYS)";
        }
        assertFalse(overlap, where + ": overlapping ranges of one file were not refused, returned " + result);
        assertFalse(refused, where + ": ALWAYS returned " + result + " for a range the kernel cannot clone");
        if (target == null) {
            model[step.to()] = target = new byte[0]; // an absent target is created, even for an empty range
        }
        if (effective == 0) {
            assertEquals(CopyResult.none(), result, where);
            return "nothing to copy";
        }
        byte[] updated = Arrays.copyOf(target, (int) Math.max(target.length, step.targetOffset() + effective));
        System.arraycopy(source, (int) step.sourceOffset(), updated, (int) step.targetOffset(), (int) effective);
        model[step.to()] = updated;

        assertEquals(effective, result.bytes(), where + ": " + result);
        List<Long> clonedBytes = expectedClonedBytes(fs, step, effective, clonable, source.length, targetSize);
        assertTrue(clonedBytes.contains(result.clonedBytes()), where + ": " + result + ", expected cloned bytes: "
                + clonedBytes);
        long cloned = result.clonedBytes();
        if (cloned == effective) {
            assertEquals(CopyMethod.CLONE, result.method(), where + ": " + result);
            return "cloned";
        }
        if (step.mode() == ReflinkCopyOption.NEVER) {
            assertEquals(CopyMethod.READ_WRITE, result.method(), where + ": " + result);
        } else {
            assertNotEquals(CopyMethod.CLONE, result.method(), where + ": " + result);
            assertNotEquals(CopyMethod.NONE, result.method(), where + ": " + result);
        }
        if (cloned == 0 && clonedBytes.size() > 1) {
            return "copied, whole blocks not cloned";
        }
        return cloned > 0 ? "partly cloned" : "copied";
    }

    /**
     * What the javadoc promises to share: ALWAYS all; NEVER nothing; AUTO on a file system that
     * clones all of a range ALWAYS could clone, else, when both offsets sit at the same place
     * within a block, the whole blocks inside the range, or everything after the head when the
     * range reaches the source's end at or past the target's end (as a whole-file clone would).
     * One more value is accepted, and reported as a missed clone: a range reaching the source's
     * unaligned end inside the target, which the kernel refuses to clone (EINVAL), and which AUTO
     * then copies entirely instead of cloning its whole blocks.
     */
    private static List<Long> expectedClonedBytes(TestFileSystem fs, Step step, long effective, boolean clonable,
                                                  long sourceSize, long targetSize) {
        if (step.mode() == ReflinkCopyOption.ALWAYS) {
            return List.of(effective);
        }
        if (step.mode() == ReflinkCopyOption.NEVER || !fs.clones()) {
            return List.of(0L);
        }
        if (clonable) {
            return List.of(effective);
        }
        if (step.sourceOffset() % BLOCK != step.targetOffset() % BLOCK) {
            return List.of(0L);
        }
        long head = Math.min(effective, (BLOCK - step.sourceOffset() % BLOCK) % BLOCK);
        boolean toSourceEnd = step.sourceOffset() + effective == sourceSize;
        if (toSourceEnd && step.targetOffset() + effective >= targetSize) {
            return List.of(effective - head);
        }
        long wholeBlocks = (effective - head) / BLOCK * BLOCK;
        if (toSourceEnd && sourceSize % BLOCK != 0 && wholeBlocks > 0) {
            return List.of(wholeBlocks, 0L);
        }
        return List.of(wholeBlocks);
    }

    /** The step through channels (the target exists): the source opened to read, the target to write. */
    private static CopyResult viaChannels(Step step, Path[] paths) throws IOException {
        try (FileChannel in = FileChannel.open(paths[step.from()], StandardOpenOption.READ);
             FileChannel out = FileChannel.open(paths[step.to()], StandardOpenOption.WRITE)) {
            in.position(7);
            out.position(3);
            CopyResult result = Reflink.partial(in, step.sourceOffset(), out, step.targetOffset(), step.length(),
                    step.mode());
            assertEquals(7, in.position(), "the source channel's position");
            assertEquals(3, out.position(), "the target channel's position");
            return result;
        }
    }

    private static void assertFilesMatch(Path[] paths, byte[][] model, String where) throws IOException {
        for (int i = 0; i < paths.length; i++) {
            if (model[i] == null) {
                assertFalse(Files.exists(paths[i], LinkOption.NOFOLLOW_LINKS), where + ": f" + i + " was created");
            } else {
                assertArrayEquals(model[i], Files.readAllBytes(paths[i]), where + ": f" + i + " differs from the model");
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

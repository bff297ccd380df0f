package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.OverlayFileSystem;
import io.github.reflink4j.tests.support.OverlayMount;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clones inside a container: overlayfs (Docker's overlay2, Podman) over xfs and over btrfs. The
 * shared overlays of src/test-filesystems.sh hold files of the upper layer; a test that needs
 * files of a lower layer (an image's) or an upper layer on another file system mounts an
 * overlay of its own. What this kernel does, measured here: FICLONE passes through to the upper
 * file system, and a lower-layer source is cloned from its real inode without a copy-up; a
 * copy-up (a lower-layer file opened for writing) is itself a clone of every whole block;
 * FIDEDUPERANGE passes through only when both files are in the upper layer (EPERM otherwise).
 */
class OverlayFsTest extends RealFileSystemTest {
    private static final int SIZE = 2 * 1024 * 1024 + 123; // several blocks and a partial last one

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void always_ofAnUpperLayerFile_clones_andTheRealUpperFileShares(OverlayFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 1);
        Path target = dir.resolve("target");
        Path viaProvider = dir.resolve("via-provider");

        CopyResult result = Reflink.always(source, target);
        Files.copy(Reflink.wrap(source), Reflink.wrap(viaProvider), ReflinkCopyOption.ALWAYS);

        assertEquals(CopyResult.cloned(SIZE), result);
        assertSameContent(source, target);
        assertSameContent(source, viaProvider);
        assertTrue(Extents.allShared(target), "filefrag through the overlay: " + Extents.of(target));
        assertTrue(Extents.allShared(viaProvider), "filefrag through the overlay: " + Extents.of(viaProvider));
        Path realTarget = realUpperFile(fs, target);
        assertTrue(Extents.allShared(realTarget), "filefrag on the upper layer's file: " + Extents.of(realTarget));
        assertEquals(fs.layers().label(), Files.getFileStore(realTarget).type());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void always_ofALowerLayerFile_clonesItsRealFile_withoutCopyingItUp(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            Path lowerFile = writeRandomFile(overlay.lower().resolve("image/lib.so"), SIZE, 2);
            String lowerHash = NothingLost.sha256(lowerFile);
            Path root = overlay.mount();
            Path source = root.resolve("image/lib.so");
            Path target = root.resolve("lib-copy.so");

            CopyResult result = Reflink.always(source, target);

            assertEquals(CopyResult.cloned(SIZE), result);
            assertArrayEquals(Files.readAllBytes(lowerFile), Files.readAllBytes(target));
            assertTrue(Extents.allShared(target), "filefrag: " + Extents.of(target));
            assertTrue(
                    Extents.allShared(lowerFile),
                    "the lower layer's file shares its blocks with the clone: " + Extents.of(lowerFile));
            assertFalse(
                    Files.exists(overlay.upper().resolve("image/lib.so")),
                    "the source was copied up, though it was only read");
            assertTrue(Files.isRegularFile(overlay.upper().resolve("lib-copy.so")), "the clone is in the upper layer");
            assertEquals(lowerHash, NothingLost.sha256(source), "the source changed");
            assertEquals(lowerHash, NothingLost.sha256(lowerFile), "the lower layer's file changed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void replaceExisting_ofALowerLayerTarget_putsTheCloneInTheUpperLayer_andLeavesTheLowerFile(OverlayFileSystem fs)
            throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            Path lowerTarget = writeRandomFile(overlay.lower().resolve("etc/config"), 300_000, 3);
            String lowerHash = NothingLost.sha256(lowerTarget);
            Path root = overlay.mount();
            Path source = writeRandomFile(root.resolve("new-config"), SIZE, 4);
            Path target = root.resolve("etc/config");

            CopyResult result = Reflink.always(source, target, StandardCopyOption.REPLACE_EXISTING);

            assertEquals(CopyResult.cloned(SIZE), result);
            assertSameContent(source, target);
            assertTrue(Extents.allShared(target), "filefrag: " + Extents.of(target));
            Path upperTarget = overlay.upper().resolve("etc/config");
            assertTrue(Files.isRegularFile(upperTarget), "the new target is in the upper layer");
            assertSameContent(source, upperTarget);
            assertEquals(lowerHash, NothingLost.sha256(lowerTarget), "the lower layer's file changed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void dedupe_ofTwoUpperLayerFiles_sharesTheirBlocks(OverlayFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("a"), SIZE, 5);
        Path b = writeRandomFile(dir.resolve("b"), SIZE, 5);

        DedupeResult result = Reflink.dedupe(a, b);

        assertEquals(new DedupeResult(SIZE, SIZE, false), result);
        assertTrue(Extents.allShared(b), "filefrag: " + Extents.of(b));
        assertSameContent(a, b);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void dedupe_fromALowerLayerSource_failsWithEperm_andChangesNoByte(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            Path lowerFile = writeRandomFile(overlay.lower().resolve("base.bin"), SIZE, 6);
            String hash = NothingLost.sha256(lowerFile);
            Path root = overlay.mount();
            Path source = root.resolve("base.bin");
            Path target = writeRandomFile(root.resolve("duplicate.bin"), SIZE, 6);

            ReflinkFailedException e = assertThrows(ReflinkFailedException.class, () -> Reflink.dedupe(source, target));
            CommandRun command = CommandRun.reflink("dedupe", source.toString(), target.toString());

            assertEquals("EPERM", e.errnoName());
            assertEquals(source.toString(), e.getFile());
            assertEquals(target.toString(), e.getOtherFile());
            NothingLost.assertMentions(e, "FIDEDUPERANGE", "overlayfs", "lower layer");
            assertEquals(1, command.exitCode(), command.stdout() + command.stderr());
            assertTrue(command.stderr().contains("EPERM") && command.stderr().contains("overlayfs"), command.stderr());
            assertEquals(hash, NothingLost.sha256(source));
            assertEquals(hash, NothingLost.sha256(target));
            assertEquals(hash, NothingLost.sha256(lowerFile));
            assertTrue(Extents.noneShared(target), "filefrag: " + Extents.of(target));
            assertFalse(Files.exists(overlay.upper().resolve("base.bin")), "the source was copied up");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void dedupe_ontoALowerLayerTarget_copiesItUpOnOpening_thenShares(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            Path lowerFile = writeRandomFile(overlay.lower().resolve("base.bin"), SIZE, 7);
            String hash = NothingLost.sha256(lowerFile);
            Path root = overlay.mount();
            Path source = writeRandomFile(root.resolve("duplicate.bin"), SIZE, 7);
            Path target = root.resolve("base.bin");

            DedupeResult result = Reflink.dedupe(source, target);

            assertEquals(new DedupeResult(SIZE, SIZE, false), result);
            assertTrue(
                    Files.isRegularFile(overlay.upper().resolve("base.bin")),
                    "opening the target for writing copies it up");
            assertTrue(Extents.allShared(target), "filefrag: " + Extents.of(target));
            assertEquals(hash, NothingLost.sha256(target));
            assertEquals(hash, NothingLost.sha256(lowerFile), "the lower layer's file changed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void openingALowerLayerFileForWriting_copiesItUp_asAClone(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            Path lowerFile = writeRandomFile(overlay.lower().resolve("data.bin"), SIZE, 13);
            Path root = overlay.mount();

            try (FileChannel opened = FileChannel.open(root.resolve("data.bin"), StandardOpenOption.WRITE)) {
                assertTrue(opened.isOpen());
            }

            Path copiedUp = overlay.upper().resolve("data.bin");
            assertTrue(Files.isRegularFile(copiedUp), "not copied up");
            assertArrayEquals(Files.readAllBytes(lowerFile), Files.readAllBytes(copiedUp));
            // every whole block is shared; xfs copies the partial last block, btrfs shares it too
            long lastWholeBlock = SIZE / 4096 - 1;
            assertTrue(
                    Extents.blockShared(copiedUp, 0) && Extents.blockShared(copiedUp, lastWholeBlock),
                    "the copy-up copied the data: " + Extents.of(copiedUp));
            assertEquals(
                    fs.layers() == TestFileSystem.BTRFS,
                    Extents.allShared(copiedUp),
                    "the partial last block: " + Extents.of(copiedUp));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void treeCopy_ofUpperAndLowerLayerFiles_clonesEveryFile(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.in(directoryOn(fs.layers()))) {
            TreeCopyTest.buildTree(overlay.lower().resolve("app"));
            Path root = overlay.mount();
            writeRandomFile(root.resolve("app/a/written-in-the-container.bin"), 200_000, 8);
            long data = 100_000 + 300_000 + (1 << 20) + 50_000 + 200_000;

            TreeCopySummary summary = Reflink.copyTree(
                    root.resolve("app"),
                    root.resolve("app-copy"),
                    StandardCopyOption.COPY_ATTRIBUTES,
                    ReflinkCopyOption.ALWAYS);

            assertTrue(summary.succeeded(), summary.failures().toString());
            assertEquals(6, summary.files());
            assertEquals(data, summary.clonedBytes());
            assertEquals(0, summary.copiedBytes());
            for (String file : new String[] {
                "top.bin", "a/mid.bin", "a/b/c/deep.bin", "read-only/inside.bin", "a/written-in-the-container.bin"
            }) {
                assertSameContent(
                        root.resolve("app").resolve(file),
                        root.resolve("app-copy").resolve(file));
                assertTrue(Extents.allShared(root.resolve("app-copy").resolve(file)), file);
            }
            assertFalse(Files.exists(overlay.upper().resolve("app/a/b/c/deep.bin")), "a source was copied up");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void probeCommand_saysTheOverlayClones(OverlayFileSystem fs) {
        Path dir = directoryOn(fs);

        CommandRun run = CommandRun.reflink("probe", "--json", dir.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        JsonObject answer = JsonParser.parseString(run.stdout())
                .getAsJsonObject()
                .getAsJsonArray("directories")
                .get(0)
                .getAsJsonObject();
        assertEquals("overlay", answer.get("filesystem").getAsString(), run.stdout());
        assertTrue(answer.get("reflink").getAsBoolean(), run.stdout());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void duCommand_countsTheSharedBytes_asFilefragSeesThem(OverlayFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("tree/source.bin"), 1 << 20, 9);
        Reflink.always(source, dir.resolve("tree/clone.bin"));
        writeRandomFile(dir.resolve("tree/alone.bin"), 1 << 20, 10);

        CommandRun run = CommandRun.reflink("du", "--json", dir.resolve("tree").toString());

        assertEquals(0, run.exitCode(), run.stderr());
        JsonObject total =
                JsonParser.parseString(run.stdout()).getAsJsonObject().getAsJsonObject("total");
        assertEquals(3L << 20, total.get("size").getAsLong(), run.stdout());
        assertEquals(2L << 20, total.get("shared").getAsLong(), run.stdout());
        assertTrue(Extents.allShared(dir.resolve("tree/clone.bin")) && Extents.allShared(source));
        assertTrue(Extents.noneShared(dir.resolve("tree/alone.bin")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverlayFileSystem.class)
    void upperLayerOnExt4_alwaysFailsTyped_leavesNothing_autoCopies(OverlayFileSystem fs) throws IOException {
        try (OverlayMount overlay = OverlayMount.split(directoryOn(fs.layers()), directoryOn(TestFileSystem.EXT4))) {
            Path lowerFile = writeRandomFile(overlay.lower().resolve("image.bin"), SIZE, 11);
            Path root = overlay.mount();
            Path lowerSource = root.resolve("image.bin");
            Path upperSource = writeRandomFile(root.resolve("written.bin"), SIZE, 12);
            NothingLost before = NothingLost.snapshot(overlay.lower(), overlay.upper());

            ReflinkFailedException ofUpper =
                    assertThrows(ReflinkFailedException.class, () -> Reflink.always(upperSource, root.resolve("a")));
            ReflinkFailedException ofLower =
                    assertThrows(ReflinkFailedException.class, () -> Reflink.always(lowerSource, root.resolve("b")));

            assertEquals("EOPNOTSUPP", ofUpper.errnoName().replace("ENOTSUP", "EOPNOTSUPP"), ofUpper.toString());
            assertEquals("EXDEV", ofLower.errnoName(), "the lower file is on " + fs.layers() + ", the target on ext4");
            NothingLost.assertMentions(ofUpper, "ioctl(FICLONE)", upperSource.toString());
            NothingLost.assertMentions(ofLower, "ioctl(FICLONE)", lowerSource.toString());
            before.assertUnchanged();

            CopyResult copiedUpper = Reflink.auto(upperSource, root.resolve("a"));
            CopyResult copiedLower = Reflink.auto(lowerSource, root.resolve("b"));

            assertEquals(0, copiedUpper.clonedBytes());
            assertEquals(0, copiedLower.clonedBytes());
            assertTrue(copiedUpper.method() != CopyMethod.CLONE && copiedLower.method() != CopyMethod.CLONE);
            assertSameContent(upperSource, root.resolve("a"));
            assertSameContent(lowerFile, root.resolve("b"));
            assertFalse(Files.exists(overlay.upper().resolve("image.bin")), "the source was copied up");
        }
    }

    /** The file of the shared overlay's upper layer that {@code file} is. */
    private static Path realUpperFile(OverlayFileSystem fs, Path file) {
        return fs.upperLayer().resolve(fs.mountPoint().relativize(file).toString());
    }
}

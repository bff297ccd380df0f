package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a cleanup of killed copies' temporary files removes, and what it never touches, through
 * each way in: the API, a tree copy into an existing directory, and {@code reflink cp}. Removed:
 * a regular file named exactly {@code .NAME.reflink4j-<12 lowercase hex>.tmp} (NAME cut at 200
 * bytes, as reflink4j cuts it) that nobody has locked. Never touched: the same kind of file while
 * another process holds its flock (a live copy), a symbolic link or a directory under such a name,
 * and names that only look alike. Every fixture is older than the grace first, so what spares the
 * live file is its lock, shown by its removal once the lock is released.
 */
class LeftoverCleanupTest extends RealFileSystemTest {
    private static final String HEX = "0123456789ab";

    /** The way a cleanup is asked for. */
    enum Entry {
        API,
        COPY_TREE,
        REFLINK_CP
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Entry.class)
    void cleanup_removesOnlyUnlockedTemporaryFilesByTheExactPattern_neverLiveOnesLinksDirectoriesOrLookAlikes(
            Entry entry) throws Exception {
        Path root = directoryOn(TestFileSystem.EXT4);
        Path dir = Files.createDirectory(root.resolve("sub")); // an existing directory below the tree's root
        Path dead = write(dir, ".target.reflink4j-" + HEX + ".tmp");
        Path deadLong = write(dir, "." + "n".repeat(200) + ".reflink4j-" + HEX + ".tmp");
        Path live = write(dir, ".live.reflink4j-abcdef012345.tmp");
        Path linked = write(dir, "linked");
        Path link = Files.createSymbolicLink(dir.resolve(".link.reflink4j-" + HEX + ".tmp"), linked.getFileName());
        Path directory = Files.createDirectory(dir.resolve(".dir.reflink4j-" + HEX + ".tmp"));
        List<Path> lookAlikes = new ArrayList<>();
        for (String name : List.of(
                ".target.reflink4j-0123456789a.tmp", // 11 digits
                ".target.reflink4j-0123456789abc.tmp", // 13 digits
                ".target.reflink4j-0123456789AB.tmp", // uppercase
                ".target.reflink4j-0123456789ag.tmp", // not hex
                "target.reflink4j-" + HEX + ".tmp", // no leading dot
                ".target.reflink4j-" + HEX + ".tmp~", // something after
                ".target.reflink4j-" + HEX, // no .tmp
                "..reflink4j-" + HEX + ".tmp", // no name at all
                "." + "n".repeat(201) + ".reflink4j-" + HEX + ".tmp")) { // longer than reflink4j ever keeps
            lookAlikes.add(write(dir, name));
        }
        List<Path> spared = new ArrayList<>(List.of(live, linked, link, directory));
        spared.addAll(lookAlikes);
        Map<Path, Object> inodes = new LinkedHashMap<>();
        for (Path path : spared) {
            inodes.put(path, Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        }
        byte[] linkedBefore = Files.readAllBytes(linked);
        List<Path> all = new ArrayList<>(spared);
        all.addAll(List.of(dead, deadLong));
        KilledCopyTest.awaitOlderThanGrace(all.toArray(new Path[0]));

        List<Path> removed;
        Process holder = lock(live);
        try {
            removed = cleanUp(entry, root, dir, "first");
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the lock holder did not end");
        }

        assertEquals(List.of(dead, deadLong), sorted(removed, dead, deadLong));
        assertFalse(Files.exists(dead, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(deadLong, LinkOption.NOFOLLOW_LINKS));
        for (Map.Entry<Path, Object> kept : inodes.entrySet()) {
            assertEquals(
                    kept.getValue(),
                    Files.getAttribute(kept.getKey(), "unix:ino", LinkOption.NOFOLLOW_LINKS),
                    kept.getKey() + " was touched");
        }
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(linked.getFileName(), Files.readSymbolicLink(link));
        assertTrue(Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(linkedBefore, Files.readAllBytes(linked), "the file behind the link changed");

        // the lock alone spared the live one: released, it goes like any other
        assertEquals(List.of(live), cleanUp(entry, root, dir, "second"));
        assertFalse(Files.exists(live, LinkOption.NOFOLLOW_LINKS));

        Files.delete(link);
        Files.delete(directory);
        for (Path lookAlike : lookAlikes) {
            Files.delete(lookAlike);
        }
    }

    @Test
    void reflinkCp_neverRemovesALeftoverItsUserNamed_asSourceOrAsTarget() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path other = Files.createDirectory(dir.resolve("other")); // apart: each command would clean the other's
        Path asSource = write(dir, ".big.reflink4j-" + HEX + ".tmp");
        Path asTarget = write(other, ".notes.reflink4j-00000000cafe.tmp");
        byte[] sourceBytes = Files.readAllBytes(asSource);
        byte[] targetBytes = Files.readAllBytes(asTarget);
        KilledCopyTest.awaitOlderThanGrace(asSource, asTarget);

        // recovering what a killed copy wrote: the leftover is the source
        CommandRun recover = CommandRun.reflink(
                "cp", asSource.toString(), dir.resolve("recovered").toString());
        assertEquals(0, recover.exitCode(), recover.stderr());
        assertEquals("", recover.stderr());
        assertArrayEquals(sourceBytes, Files.readAllBytes(dir.resolve("recovered")));
        assertArrayEquals(sourceBytes, Files.readAllBytes(asSource));

        // a leftover-looking name as the target, without -f: refused as for any existing file
        CommandRun onto = CommandRun.reflink("cp", dir.resolve("recovered").toString(), asTarget.toString());
        assertEquals(1, onto.exitCode(), onto.stderr());
        assertTrue(onto.stderr().contains("exists"), onto.stderr());
        assertArrayEquals(targetBytes, Files.readAllBytes(asTarget));

        Files.delete(asSource);
        Files.delete(asTarget);
        Files.delete(dir.resolve("recovered"));
        Files.delete(other);
    }

    @Test
    void aTemporaryFileYoungerThanTheGrace_isKept_evenUnlocked() throws IOException {
        // a live copy creates its temporary file and only then locks it: the grace covers that moment
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path fresh = write(dir, ".target.reflink4j-" + HEX + ".tmp");
        Object inode = Files.getAttribute(fresh, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        assertEquals(List.of(), Reflink.removeLeftovers(dir), "removed a temporary file changed just now");
        assertEquals(inode, Files.getAttribute(fresh, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        Files.delete(fresh);
    }

    /** Asks for a cleanup of {@code dir} by {@code entry}; returns what was reported removed. */
    private List<Path> cleanUp(Entry entry, Path root, Path dir, String round) throws IOException {
        switch (entry) {
            case API -> {
                return Reflink.removeLeftovers(dir);
            }
            case COPY_TREE -> {
                Path tree = directoryOn(TestFileSystem.EXT4);
                writeRandomFile(tree.resolve("sub").resolve(round), 4096, 7);
                TreeCopySummary summary = Reflink.copyTree(tree, root, REPLACE_EXISTING);
                assertTrue(summary.succeeded(), summary.failures().toString());
                assertSameContent(tree.resolve("sub").resolve(round), dir.resolve(round));
                return summary.leftoversRemoved();
            }
            case REFLINK_CP -> {
                Path file = writeRandomFile(directoryOn(TestFileSystem.EXT4).resolve(round), 4096, 8);
                CommandRun run = CommandRun.reflink(
                        "cp", file.toString(), dir.resolve(round).toString());
                assertEquals(0, run.exitCode(), run.stderr());
                assertSameContent(file, dir.resolve(round));
                List<Path> said = new ArrayList<>();
                for (String line : run.stderr().lines().toList()) {
                    String prefix = "reflink cp: removed '";
                    String suffix = "', left by an interrupted copy";
                    assertTrue(line.startsWith(prefix) && line.endsWith(suffix), "unexpected on stderr: " + line);
                    said.add(Path.of(line.substring(prefix.length(), line.length() - suffix.length())));
                }
                return said;
            }
            default -> throw new AssertionError(entry);
        }
    }

    /**
     * Holds a flock on {@code file} from another process, as a live copy does: bash opens it,
     * {@code flock} locks that open file and exits, and bash, become {@code sleep}, keeps it.
     * Returns once the lock is held.
     */
    private static Process lock(Path file) throws IOException {
        Process holder = new ProcessBuilder(
                        "bash",
                        "-c",
                        "exec 9<\"$1\" && flock -x 9 && echo locked && exec sleep 600",
                        "bash",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"locked".equals(line)) {
            holder.destroyForcibly();
            throw new AssertionError("could not lock " + file + ": " + line);
        }
        return holder;
    }

    private static Path write(Path dir, String name) {
        return writeRandomFile(dir.resolve(name), 1000, name.hashCode());
    }

    /** The paths in the order given by {@code order}, for a comparison that ignores listing order. */
    private static List<Path> sorted(List<Path> paths, Path... order) {
        List<Path> result = new ArrayList<>();
        for (Path p : order) {
            if (paths.contains(p)) {
                result.add(p);
            }
        }
        for (Path p : paths) {
            if (!result.contains(p)) {
                result.add(p);
            }
        }
        return result;
    }
}

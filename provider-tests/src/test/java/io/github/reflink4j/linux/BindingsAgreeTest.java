package io.github.reflink4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The {@code java.lang.foreign} binding and the jnr-ffi binding answer every call of
 * {@link Syscalls} alike: one script of calls, each kind of answer the engine relies on (values,
 * structures, the expected "answers" such as EEXIST and ENOENT, and errnos), runs through each
 * binding in a directory of its own on btrfs, and the two transcripts must be equal. Inode
 * numbers, times of day and descriptor numbers differ from one directory to the other and are
 * left out; everything else is written down. Needs JDK 22+ (where both bindings exist).
 */
class BindingsAgreeTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;

    private static Syscalls foreign() {
        assumeTrue(
                Runtime.version().feature() >= 22,
                "the java.lang.foreign binding needs JDK 22+; on JDK "
                        + Runtime.version().feature() + " only jnr-ffi exists");
        assumeTrue(ForeignBinding.isPresent(), "this reflink4j jar was built without its java.lang.foreign layer");
        return ForeignBinding.load();
    }

    @Test
    void everyCall_givesTheSameAnswer_throughJavaLangForeignAndThroughJnrFfi() throws Exception {
        Syscalls foreign = foreign();
        Syscalls jnr = JnrSyscalls.load();
        List<String> throughForeign = script(foreign, directoryOn(TestFileSystem.BTRFS));
        List<String> throughJnr = script(jnr, directoryOn(TestFileSystem.BTRFS));
        assertTrue(throughJnr.get(throughJnr.size() - 1).startsWith("close twice"), "ran to its end: " + throughJnr);
        assertTrue(
                throughJnr.stream()
                        .anyMatch(line -> line.startsWith("dedupe: ")
                                && line.matches(".*errno=[1-9].*")
                                && line.contains("differs=true")),
                "the dedupe had a refused and a differing destination: " + throughJnr);
        assertEquals(String.join("\n", throughJnr), String.join("\n", throughForeign));
    }

    private static byte[] name(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer direct(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return buffer;
    }

    private static byte[] pattern(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    /** A call that may fail: its answer, or the errno it failed with. */
    @FunctionalInterface
    private interface Step {
        Object run() throws NativeException;
    }

    private static String attempt(Step step) {
        try {
            Object answer = step.run();
            return answer instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(answer);
        } catch (NativeException e) {
            return e.getMessage();
        }
    }

    private static String describe(FileStatus s) {
        return s == null
                ? "none"
                : String.format(
                        "mode=%o links=%d uid=%d gid=%d size=%d", s.mode(), s.linkCount(), s.uid(), s.gid(), s.size());
    }

    /** The script: every method of Syscalls, its answers written down in order. */
    private static List<String> script(Syscalls sys, Path dir) throws NativeException {
        List<String> t = new ArrayList<>();
        int d = sys.openDirectory(Syscalls.AT_FDCWD, name(dir.toString()), true);
        t.add("file system " + Long.toHexString(sys.fileSystemType(d)) + ", block " + sys.fileSystemBlockSize(d));

        // creating, writing (direct and heap buffers), reading back
        int a = sys.createExclusive(d, name("a"), 0640);
        t.add("second create: " + sys.createExclusive(d, name("a"), 0640));
        byte[] data = pattern(3 * BLOCK, 1);
        t.add("pwrite direct: " + sys.pwrite(a, direct(data), 0));
        ByteBuffer heap = ByteBuffer.wrap(pattern(BLOCK, 2));
        t.add("pwrite heap: " + sys.pwrite(a, heap, 3 * BLOCK) + ", position " + heap.position());
        sys.syncData(a);
        t.add("status: " + describe(sys.status(a)));
        int in = sys.openForReading(d, name("a"), false);
        ByteBuffer back = ByteBuffer.allocate(5 * BLOCK);
        t.add("pread heap: " + sys.pread(in, back, 0) + ", at end: " + sys.pread(in, back, 4 * BLOCK));
        t.add("read back equal: " + Arrays.equals(Arrays.copyOf(back.array(), 3 * BLOCK), data));
        ByteBuffer backDirect = ByteBuffer.allocateDirect(BLOCK);
        t.add("pread direct: " + sys.pread(in, backDirect, BLOCK) + ", position " + backDirect.position());
        t.add("lock: " + sys.tryLock(a) + ", again from another open file: " + sys.tryLock(in));
        t.add("position " + sys.position(in));
        sys.setPosition(in, 100);
        t.add("position after set " + sys.position(in));

        // holes
        int sparse = sys.createExclusive(d, name("sparse"), 0600);
        sys.pwrite(sparse, direct(pattern(BLOCK, 3)), 64L * BLOCK);
        sys.truncate(sparse, 128L * BLOCK);
        t.add("seek data from 0: " + sys.seek(sparse, 0, Syscalls.SEEK_DATA) + ", hole after it: "
                + sys.seek(sparse, 64L * BLOCK, Syscalls.SEEK_HOLE) + ", data past the end of data: "
                + sys.seek(sparse, 65L * BLOCK, Syscalls.SEEK_DATA));

        // data: clone, clone range, copy_file_range, extents, dedupe with several destinations
        int whole = sys.createExclusive(d, name("clone"), 0600);
        sys.cloneFile(in, whole);
        int part = sys.createExclusive(d, name("part"), 0600);
        sys.cloneRange(in, BLOCK, BLOCK, part, 0);
        t.add("clone range size: " + sys.status(part).size());
        t.add("bad clone range: "
                + attempt(() -> {
                    sys.cloneRange(in, 1, BLOCK, part, 0);
                    return "cloned";
                }));
        int copy = sys.createExclusive(d, name("copy"), 0600);
        t.add("copy_file_range: " + sys.copyFileRange(in, 0, copy, 0, 4L * BLOCK) + ", at end: "
                + sys.copyFileRange(in, 4L * BLOCK, copy, 4L * BLOCK, BLOCK));
        List<Extent> extents = sys.extents(whole, 0, 16);
        t.add("clone extents: " + extents.size() + ", all shared: "
                + extents.stream().allMatch(e -> (e.flags() & Extent.SHARED) != 0) + ", last flagged: "
                + ((extents.get(extents.size() - 1).flags() & Extent.LAST) != 0));
        t.add("one extent page from the middle: "
                + sys.extents(whole, 2L * BLOCK, 1).size());
        int same = sys.createExclusive(d, name("same"), 0600);
        sys.pwrite(same, direct(pattern(4 * BLOCK, 9)), 0);
        int differs = sys.createExclusive(d, name("differs"), 0600);
        byte[] changed = pattern(4 * BLOCK, 9);
        changed[BLOCK + 5] ^= 1;
        sys.pwrite(differs, direct(changed), 0);
        int sameAgain = sys.openForUpdate(d, name("same"));
        int readOnly = sys.openForReading(d, name("same"), false);
        int dedupeSource = sys.createExclusive(d, name("dedupe-source"), 0600);
        sys.pwrite(dedupeSource, direct(pattern(4 * BLOCK, 9)), 0);
        sys.syncData(dedupeSource);
        sys.syncData(same);
        sys.syncData(differs);
        int reading = sys.openForReading(d, name("dedupe-source"), false);
        // a directory is refused as a destination, in its own outcome: the others are still deduplicated
        DedupeOutcome[] outcomes = sys.dedupeRange(
                reading, 0, 4L * BLOCK, new int[] {same, differs, d, readOnly}, new long[] {0, 0, 0, 0});
        t.add("dedupe: " + Arrays.toString(outcomes));
        t.add("dedupe, one destination: " + sys.dedupeRange(reading, 0, 4L * BLOCK, sameAgain, 0));
        t.add("dedupe, no destination: "
                + attempt(() -> {
                    try {
                        return Arrays.toString(sys.dedupeRange(reading, 0, BLOCK, new int[0], new long[0]));
                    } catch (IllegalArgumentException e) {
                        return "refused: " + e.getMessage();
                    }
                }));
        t.add("inode flags readable: " + (attempt(() -> sys.inodeFlags(a)).matches("-?\\d+")));

        // names: directories, links, nodes, renames
        t.add("mkdir: " + sys.makeDirectory(d, name("sub"), 0750) + ", again: "
                + sys.makeDirectory(d, name("sub"), 0750));
        String longTarget = "x".repeat(1000);
        sys.makeSymbolicLink(name(longTarget), d, name("long-link"));
        t.add("readlink of 1000 bytes equal: "
                + longTarget.equals(new String(sys.readSymbolicLink(d, name("long-link")), StandardCharsets.UTF_8)));
        sys.makeSymbolicLink(name("a"), d, name("link"));
        t.add("readlink: " + new String(sys.readSymbolicLink(d, name("link")), StandardCharsets.UTF_8));
        t.add("stat link: " + describe(sys.statusAt(d, name("link"), false)).replaceAll("uid=.*", ""));
        t.add("stat through link: " + describe(sys.statusAt(d, name("link"), true)));
        t.add("stat missing: " + describe(sys.statusAt(d, name("missing"), false)));
        t.add("open link, not followed: " + attempt(() -> sys.openForReading(d, name("link"), false)));
        t.add("open file as directory: " + attempt(() -> sys.openDirectory(d, name("a"), false)));
        t.add("open missing for writing: " + attempt(() -> sys.openForWriting(d, name("missing"))));
        int path = sys.openPath(d, name("link"));
        t.add("O_PATH of the link: " + describe(sys.status(path)).replaceAll("uid=.*", ""));
        sys.close(path);
        sys.linkOpenFile(a, d, name("a-linked"));
        sys.link(d, name("a"), d, name("a-hard"));
        t.add("links now: " + sys.status(a).linkCount());
        sys.rename(d, name("a-hard"), d, name("a-renamed"));
        t.add("rename onto a directory: "
                + attempt(() -> {
                    sys.rename(d, name("a-renamed"), d, name("sub"));
                    return "renamed";
                }));
        sys.unlink(d, name("a-renamed"), false);
        sys.unlink(d, name("a-linked"), false);
        t.add("unlink missing: "
                + attempt(() -> {
                    sys.unlink(d, name("missing"), false);
                    return "removed";
                }));
        sys.makeNode(d, name("fifo"), 0010000 | 0600, 0);
        sys.changeModeAt(d, name("fifo"), 0640);
        t.add("fifo: " + describe(sys.statusAt(d, name("fifo"), false)));
        t.add("fifo for writing, no reader: " + attempt(() -> sys.openForWriting(d, name("fifo"))));

        // metadata
        sys.changeMode(a, 0604);
        sys.changeOwner(a, 1234, 5678);
        sys.setTimes(a, new FileStatus.Timestamp(1_000_000_000L, 5), new FileStatus.Timestamp(1_500_000_000L, 7));
        FileStatus after = sys.status(a);
        t.add("after fchmod, fchown, futimens: " + describe(after) + " atime " + after.accessTime() + " mtime "
                + after.modifyTime());
        sys.setTimes(a, null, new FileStatus.Timestamp(1_600_000_000L, 0));
        t.add("atime kept: " + sys.status(a).accessTime() + ", mtime "
                + sys.status(a).modifyTime());
        sys.changeLinkOwner(d, name("link"), 42, 43);
        sys.setLinkTimes(d, name("link"), null, new FileStatus.Timestamp(1_200_000_000L, 9));
        FileStatus link = sys.statusAt(d, name("link"), false);
        t.add("link owner " + link.uid() + ":" + link.gid() + " mtime " + link.modifyTime()
                + ", file's owner unchanged: " + sys.status(a).uid());
        byte[] big = pattern(3000, 4);
        sys.setExtendedAttribute(a, name("user.small"), name("value"));
        sys.setExtendedAttribute(a, name("user.big"), big);
        sys.setExtendedAttribute(a, name("user.empty"), new byte[0]);
        List<String> names = new ArrayList<>();
        for (byte[] n : sys.listExtendedAttributes(a)) {
            names.add(new String(n, StandardCharsets.UTF_8));
        }
        names.sort(null);
        t.add("xattrs: " + names + ", small "
                + new String(sys.getExtendedAttribute(a, name("user.small")), StandardCharsets.UTF_8) + ", big equal "
                + Arrays.equals(big, sys.getExtendedAttribute(a, name("user.big")))
                + ", empty " + sys.getExtendedAttribute(a, name("user.empty")).length + ", missing "
                + sys.getExtendedAttribute(a, name("user.missing")));
        t.add("xattr of a bad name: "
                + attempt(() -> {
                    sys.setExtendedAttribute(a, name("nonamespace"), name("v"));
                    return "set";
                }));

        // listing, in several small reads
        int listing = sys.openDirectory(d, name("."), false);
        ByteBuffer buffer = ByteBuffer.allocateDirect(256);
        List<DirectoryEntry> entries = new ArrayList<>();
        int reads = 0;
        while (sys.readDirectory(listing, buffer, entries)) {
            reads++;
        }
        entries.sort(Comparator.comparing(e -> new String(e.name(), StandardCharsets.UTF_8)));
        StringBuilder listed = new StringBuilder();
        for (DirectoryEntry entry : entries) {
            listed.append(new String(entry.name(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(entry.type())
                    .append(' ');
        }
        t.add("listed in more than one read: " + (reads > 1) + ": "
                + listed.toString().trim());
        sys.close(listing);

        t.add("effective uid " + sys.effectiveUserId());
        for (int fd :
                new int[] {a, in, sparse, whole, part, copy, same, differs, sameAgain, readOnly, dedupeSource, reading
                }) {
            sys.close(fd);
        }
        t.add("close twice: "
                + attempt(() -> {
                    sys.close(a);
                    return "closed";
                }));
        sys.close(d);
        return t;
    }
}

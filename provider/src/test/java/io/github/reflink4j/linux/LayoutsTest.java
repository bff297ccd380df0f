package io.github.reflink4j.linux;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reflink4j.linux.Layouts.Dirent64;
import io.github.reflink4j.linux.Layouts.Fiemap;
import io.github.reflink4j.linux.Layouts.FiemapExtent;
import io.github.reflink4j.linux.Layouts.FileCloneRange;
import io.github.reflink4j.linux.Layouts.FileDedupeRange;
import io.github.reflink4j.linux.Layouts.FileDedupeRangeInfo;
import io.github.reflink4j.linux.Layouts.Statfs;
import io.github.reflink4j.linux.Layouts.Statx;
import io.github.reflink4j.linux.Layouts.StatxTimestamp;
import jnr.constants.platform.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every structure layout, ioctl number and flag reflink4j hands the kernel as bare numbers,
 * pinned twice: to the values written out here from the UAPI and glibc headers (64-bit Linux,
 * x86-64 and arm64 alike), which needs nothing but Java; and to what the system's C compiler
 * makes of those headers ({@code offsetof}, {@code sizeof}, the macros), which needs {@code cc}
 * with linux-libc-dev and libc6-dev, and is skipped without them (failed under
 * {@code REFLINK4J_REQUIRE_FS=1}, as in CI). A member's width is pinned too: the bytes the
 * binding reads or writes there ({@code getShort} for a {@code __u16}).
 */
class LayoutsTest {
    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <dirent.h>
            #include <time.h>
            #include <unistd.h>
            #include <sys/stat.h>
            #include <sys/vfs.h>
            #include <sys/file.h>
            #include <linux/stat.h>
            #include <linux/fs.h>
            #include <linux/fiemap.h>
            #include <linux/magic.h>
            #define WIDTH(type, member) sizeof(((type *) 0)->member)
            """;

    /** One number: the C expression that computes it, reflink4j's value, and the value the header gives. */
    record Pinned(String c, long java, long header) {}

    /** Builds the table: a structure's size, its members' offsets and widths, constants. */
    private static final class Table {
        private final List<Pinned> rows = new ArrayList<>();

        Table size(String struct, long java, long header) {
            rows.add(new Pinned("sizeof(" + struct + ")", java, header));
            return this;
        }

        /** A member at {@code header} bytes, {@code width} bytes wide. */
        Table member(String struct, String member, long java, long header, int width) {
            offset(struct, member, java, header);
            rows.add(new Pinned("WIDTH(" + struct + ", " + member + ")", width, width));
            return this;
        }

        /** A member whose width does not matter: a flexible array, or where a name starts. */
        Table offset(String struct, String member, long java, long header) {
            rows.add(new Pinned("offsetof(" + struct + ", " + member + ")", java, header));
            return this;
        }

        Table constant(String name, long java, long header) {
            rows.add(new Pinned(name, java, header));
            return this;
        }

        List<Pinned> rows() {
            return List.copyOf(rows);
        }
    }

    private static final String STATX = "struct statx";
    private static final String STATX_TIMESTAMP = "struct statx_timestamp";
    private static final String STATFS = "struct statfs";
    private static final String DIRENT64 = "struct dirent64";
    private static final String CLONE_RANGE = "struct file_clone_range";
    private static final String DEDUPE_RANGE = "struct file_dedupe_range";
    private static final String DEDUPE_INFO = "struct file_dedupe_range_info";
    private static final String FIEMAP = "struct fiemap";
    private static final String FIEMAP_EXTENT = "struct fiemap_extent";

    /** The values as the headers write them (64-bit Linux). */
    private static final List<Pinned> WRITTEN_OUT = new Table()
            // <linux/stat.h>, struct statx
            .size(STATX, Statx.SIZE, 256)
            .member(STATX, "stx_blksize", Statx.STX_BLKSIZE, 4, 4) // __u32
            .member(STATX, "stx_nlink", Statx.STX_NLINK, 16, 4) // __u32
            .member(STATX, "stx_uid", Statx.STX_UID, 20, 4) // __u32
            .member(STATX, "stx_gid", Statx.STX_GID, 24, 4) // __u32
            .member(STATX, "stx_mode", Statx.STX_MODE, 28, 2) // __u16
            .member(STATX, "stx_ino", Statx.STX_INO, 32, 8) // __u64
            .member(STATX, "stx_size", Statx.STX_SIZE, 40, 8) // __u64
            .member(STATX, "stx_blocks", Statx.STX_BLOCKS, 48, 8) // __u64
            .member(STATX, "stx_atime", Statx.STX_ATIME, 64, 16) // struct statx_timestamp
            .member(STATX, "stx_ctime", Statx.STX_CTIME, 96, 16) // struct statx_timestamp
            .member(STATX, "stx_mtime", Statx.STX_MTIME, 112, 16) // struct statx_timestamp
            .member(STATX, "stx_rdev_major", Statx.STX_RDEV_MAJOR, 128, 4) // __u32
            .member(STATX, "stx_rdev_minor", Statx.STX_RDEV_MINOR, 132, 4) // __u32
            .member(STATX, "stx_dev_major", Statx.STX_DEV_MAJOR, 136, 4) // __u32
            .member(STATX, "stx_dev_minor", Statx.STX_DEV_MINOR, 140, 4) // __u32
            // <linux/stat.h>, struct statx_timestamp
            .member(STATX_TIMESTAMP, "tv_sec", StatxTimestamp.TV_SEC, 0, 8) // __s64
            .member(STATX_TIMESTAMP, "tv_nsec", StatxTimestamp.TV_NSEC, 8, 4) // __u32
            // <linux/stat.h>, the statx mask; <linux/fcntl.h> (and glibc's <fcntl.h>), the *at flags
            .constant("STATX_BASIC_STATS", Kernel.STATX_BASIC_STATS, 0x7ff)
            .constant("AT_FDCWD", Syscalls.AT_FDCWD, -100)
            .constant("AT_SYMLINK_NOFOLLOW", Kernel.AT_SYMLINK_NOFOLLOW, 0x100)
            .constant("AT_REMOVEDIR", Kernel.AT_REMOVEDIR, 0x200)
            .constant("AT_SYMLINK_FOLLOW", Kernel.AT_SYMLINK_FOLLOW, 0x400)
            .constant("AT_EMPTY_PATH", Kernel.AT_EMPTY_PATH, 0x1000)
            // <asm-generic/fcntl.h> through <fcntl.h>: O_PATH, which jnr-constants lacks
            .constant("O_PATH", Kernel.O_PATH, 010000000)
            // <sys/stat.h>: the file types of st_mode, and utimensat's "leave this time"
            .constant("S_IFMT", FileStatus.S_IFMT, 0170000)
            .constant("S_IFREG", FileStatus.S_IFREG, 0100000)
            .constant("S_IFDIR", FileStatus.S_IFDIR, 0040000)
            .constant("S_IFLNK", FileStatus.S_IFLNK, 0120000)
            .constant("UTIME_OMIT", Kernel.UTIME_OMIT, (1L << 30) - 2)
            // <time.h>: utimensat and futimens take the times as long[] {seconds, nanoseconds, ...}
            .size("struct timespec", 2 * Long.BYTES, 16)
            .member("struct timespec", "tv_nsec", Long.BYTES, 8, 8) // long
            // <sys/vfs.h>, glibc's struct statfs, which its fstatfs fills
            .size(STATFS, Statfs.SIZE, 120)
            .member(STATFS, "f_type", Statfs.F_TYPE, 0, 8) // __fsword_t
            .member(STATFS, "f_bsize", Statfs.F_BSIZE, 8, 8) // __fsword_t
            // <linux/magic.h>
            .constant("BTRFS_SUPER_MAGIC", Syscalls.BTRFS_SUPER_MAGIC, 0x9123683eL)
            .constant("XFS_SUPER_MAGIC", Syscalls.XFS_SUPER_MAGIC, 0x58465342L)
            // <dirent.h>, glibc's struct dirent64: the kernel's linux_dirent64 (not exported) as getdents64 writes it
            .member(DIRENT64, "d_ino", Dirent64.D_INO, 0, 8) // __ino64_t
            .member(DIRENT64, "d_reclen", Dirent64.D_RECLEN, 16, 2) // unsigned short
            .member(DIRENT64, "d_type", Dirent64.D_TYPE, 18, 1) // unsigned char
            .offset(DIRENT64, "d_name", Dirent64.D_NAME, 19) // char[], NUL-terminated
            .constant("DT_UNKNOWN", DirectoryEntry.Type.DT_UNKNOWN, 0)
            .constant("DT_DIR", DirectoryEntry.Type.DT_DIR, 4)
            .constant("DT_REG", DirectoryEntry.Type.DT_REG, 8)
            .constant("DT_LNK", DirectoryEntry.Type.DT_LNK, 10)
            // <unistd.h>, lseek's whence
            .constant("SEEK_SET", Kernel.SEEK_SET, 0)
            .constant("SEEK_CUR", Kernel.SEEK_CUR, 1)
            .constant("SEEK_DATA", Syscalls.SEEK_DATA, 3)
            // <sys/file.h>: flock's operations
            .constant("LOCK_EX", Kernel.LOCK_EX, 2)
            .constant("LOCK_NB", Kernel.LOCK_NB, 4)
            .constant("SEEK_HOLE", Syscalls.SEEK_HOLE, 4)
            // <linux/fs.h>: the ioctls, _IOW/_IOWR(type, number, argument)
            .constant("FICLONE", Syscalls.FICLONE, 0x40049409L) // _IOW(0x94, 9, int)
            .constant("FICLONERANGE", Syscalls.FICLONERANGE, 0x4020940dL) // _IOW(0x94, 13, struct file_clone_range)
            .constant("FIDEDUPERANGE", Syscalls.FIDEDUPERANGE, 0xc0189436L) // _IOWR(0x94, 54, struct file_dedupe_range)
            .constant("FS_IOC_FIEMAP", Syscalls.FS_IOC_FIEMAP, 0xc020660bL) // _IOWR('f', 11, struct fiemap)
            .constant("FS_IOC_GETFLAGS", Syscalls.FS_IOC_GETFLAGS, 0x80086601L) // _IOR('f', 1, long)
            .constant("FS_IMMUTABLE_FL", Syscalls.FS_IMMUTABLE_FL, 0x10)
            .constant("FS_APPEND_FL", Syscalls.FS_APPEND_FL, 0x20)
            // <linux/fs.h>, struct file_clone_range
            .size(CLONE_RANGE, FileCloneRange.SIZE, 32)
            .member(CLONE_RANGE, "src_fd", FileCloneRange.SRC_FD, 0, 8) // __s64
            .member(CLONE_RANGE, "src_offset", FileCloneRange.SRC_OFFSET, 8, 8) // __u64
            .member(CLONE_RANGE, "src_length", FileCloneRange.SRC_LENGTH, 16, 8) // __u64
            .member(CLONE_RANGE, "dest_offset", FileCloneRange.DEST_OFFSET, 24, 8) // __u64
            // <linux/fs.h>, struct file_dedupe_range, then struct file_dedupe_range_info
            .size(DEDUPE_RANGE, FileDedupeRange.SIZE, 24)
            .member(DEDUPE_RANGE, "src_offset", FileDedupeRange.SRC_OFFSET, 0, 8) // __u64
            .member(DEDUPE_RANGE, "src_length", FileDedupeRange.SRC_LENGTH, 8, 8) // __u64
            .member(DEDUPE_RANGE, "dest_count", FileDedupeRange.DEST_COUNT, 16, 2) // __u16
            .offset(DEDUPE_RANGE, "info", FileDedupeRange.INFO, 24) // struct file_dedupe_range_info[]
            .size(DEDUPE_INFO, FileDedupeRangeInfo.SIZE, 32)
            .member(DEDUPE_INFO, "dest_fd", FileDedupeRangeInfo.DEST_FD, 0, 8) // __s64
            .member(DEDUPE_INFO, "dest_offset", FileDedupeRangeInfo.DEST_OFFSET, 8, 8) // __u64
            .member(DEDUPE_INFO, "bytes_deduped", FileDedupeRangeInfo.BYTES_DEDUPED, 16, 8) // __u64
            .member(DEDUPE_INFO, "status", FileDedupeRangeInfo.STATUS, 24, 4) // __s32
            .constant("FILE_DEDUPE_RANGE_DIFFERS", Kernel.FILE_DEDUPE_RANGE_DIFFERS, 1)
            // <linux/fiemap.h>, struct fiemap, then struct fiemap_extent
            .size(FIEMAP, Fiemap.SIZE, 32)
            .member(FIEMAP, "fm_start", Fiemap.FM_START, 0, 8) // __u64
            .member(FIEMAP, "fm_length", Fiemap.FM_LENGTH, 8, 8) // __u64
            .member(FIEMAP, "fm_flags", Fiemap.FM_FLAGS, 16, 4) // __u32
            .member(FIEMAP, "fm_mapped_extents", Fiemap.FM_MAPPED_EXTENTS, 20, 4) // __u32
            .member(FIEMAP, "fm_extent_count", Fiemap.FM_EXTENT_COUNT, 24, 4) // __u32
            .offset(FIEMAP, "fm_extents", Fiemap.FM_EXTENTS, 32) // struct fiemap_extent[]
            .size(FIEMAP_EXTENT, FiemapExtent.SIZE, 56)
            .member(FIEMAP_EXTENT, "fe_logical", FiemapExtent.FE_LOGICAL, 0, 8) // __u64
            .member(FIEMAP_EXTENT, "fe_physical", FiemapExtent.FE_PHYSICAL, 8, 8) // __u64
            .member(FIEMAP_EXTENT, "fe_length", FiemapExtent.FE_LENGTH, 16, 8) // __u64
            .member(FIEMAP_EXTENT, "fe_flags", FiemapExtent.FE_FLAGS, 40, 4) // __u32
            .constant("FIEMAP_FLAG_SYNC", Kernel.FIEMAP_FLAG_SYNC, 0x1)
            .constant("FIEMAP_EXTENT_LAST", Extent.LAST, 0x1)
            .constant("FIEMAP_EXTENT_SHARED", Extent.SHARED, 0x2000)
            .rows();

    @Test
    void everyLayoutAndConstant_isTheValueWrittenOutFromTheHeaders() {
        assertAll(WRITTEN_OUT.stream().map(row -> (Executable) () -> assertEquals(row.header(), row.java(), row.c())));
    }

    /**
     * What reflink4j takes from elsewhere but relies on as the kernel's: its errno vocabulary
     * (checked against jnr-constants when the binding loads) and jnr-constants' open flags.
     */
    private static List<Pinned> fromThePlatform() {
        List<Pinned> rows = new ArrayList<>();
        for (Errno errno : Errno.values()) {
            rows.add(new Pinned(errno.name(), errno.value(), errno.value()));
        }
        for (OpenFlags flag : List.of(
                OpenFlags.O_RDONLY,
                OpenFlags.O_WRONLY,
                OpenFlags.O_RDWR,
                OpenFlags.O_CREAT,
                OpenFlags.O_EXCL,
                OpenFlags.O_NOFOLLOW,
                OpenFlags.O_DIRECTORY,
                OpenFlags.O_NONBLOCK,
                OpenFlags.O_NOCTTY,
                OpenFlags.O_CLOEXEC)) {
            rows.add(new Pinned(flag.name(), flag.intValue(), flag.intValue()));
        }
        // the java.lang.foreign binding's own table of this architecture's open flags
        Kernel.OpenFlags own = Kernel.OpenFlags.of(System.getProperty("os.arch"));
        if (own != null) {
            rows.add(new Pinned("O_RDONLY", own.readOnly(), OpenFlags.O_RDONLY.intValue()));
            rows.add(new Pinned("O_WRONLY", own.writeOnly(), OpenFlags.O_WRONLY.intValue()));
            rows.add(new Pinned("O_RDWR", own.readWrite(), OpenFlags.O_RDWR.intValue()));
            rows.add(new Pinned("O_CREAT", own.create(), OpenFlags.O_CREAT.intValue()));
            rows.add(new Pinned("O_EXCL", own.exclusive(), OpenFlags.O_EXCL.intValue()));
            rows.add(new Pinned("O_NOCTTY", own.noControllingTerminal(), OpenFlags.O_NOCTTY.intValue()));
            rows.add(new Pinned("O_NONBLOCK", own.nonBlocking(), OpenFlags.O_NONBLOCK.intValue()));
            rows.add(new Pinned("O_DIRECTORY", own.directory(), OpenFlags.O_DIRECTORY.intValue()));
            rows.add(new Pinned("O_NOFOLLOW", own.noFollow(), OpenFlags.O_NOFOLLOW.intValue()));
            rows.add(new Pinned("O_CLOEXEC", own.closeOnExec(), OpenFlags.O_CLOEXEC.intValue()));
        }
        return rows;
    }

    @Test
    void theOpenFlagsWrittenOutForThisArchitecture_areJnrConstantsValues() {
        String architecture = System.getProperty("os.arch");
        assumeTrue(Kernel.OpenFlags.of(architecture) != null, "no open flags written out for " + architecture);
        List<Pinned> own = fromThePlatform().stream()
                .filter(row -> row.c().startsWith("O_"))
                .toList();
        assertEquals(20, own.size(), "jnr-constants' ten flags and the written-out ten: " + own);
        assertAll(own.stream().map(row -> (Executable) () -> assertEquals(row.header(), row.java(), row.c())));
    }

    @Test
    void everyLayoutAndConstant_isWhatTheCCompilerMakesOfTheHeaders(@TempDir Path dir) throws Exception {
        List<Pinned> rows = new ArrayList<>(WRITTEN_OUT);
        rows.addAll(fromThePlatform());
        StringBuilder program = new StringBuilder(HEADERS).append("int main(void) {\n");
        for (Pinned row : rows) {
            program.append("    printf(\"%lld\\n\", (long long) (")
                    .append(row.c())
                    .append("));\n");
        }
        Path source = Files.writeString(dir.resolve("layouts.c"), program.append("    return 0;\n}\n"));
        Path binary = dir.resolve("layouts");

        compile(source, binary);
        List<String> values = run(binary.toString()).lines().toList();

        assertEquals(rows.size(), values.size(), "lines printed by " + source);
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Pinned row = rows.get(i);
            long compiled = Long.parseLong(values.get(i));
            checks.add(() -> assertEquals(compiled, row.java(), row.c() + ", as the C compiler computes it"));
        }
        assertAll(checks);
    }

    /** cc source -o binary; a missing compiler or header skips the test, unless REFLINK4J_REQUIRE_FS=1. */
    private static void compile(Path source, Path binary) throws IOException, InterruptedException {
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-Wall", "-Werror", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            unavailable("no C compiler (cc) to check the layouts against the headers (Debian: apt-get install -y gcc"
                    + " linux-libc-dev): " + e.getMessage());
            return;
        }
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cc.waitFor(120, TimeUnit.SECONDS)) {
            cc.destroyForcibly();
            fail("cc did not finish in 120 s: " + output);
        }
        if (cc.exitValue() != 0 && output.contains(".h: No such file or directory")) {
            unavailable("the C headers are missing (Debian: apt-get install -y linux-libc-dev libc6-dev): " + output);
        }
        assertEquals(0, cc.exitValue(), "cc " + source + ":\n" + output + "\n" + Files.readString(source));
    }

    private static String run(String binary) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(binary).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), binary + ": " + output);
        return output;
    }

    /** Skips the test for a missing tool, or fails it where every prerequisite is required (CI). */
    private static void unavailable(String reason) {
        if ("1".equals(System.getenv("REFLINK4J_REQUIRE_FS"))) {
            fail("REFLINK4J_REQUIRE_FS=1 but " + reason);
        }
        assumeTrue(false, reason);
    }
}

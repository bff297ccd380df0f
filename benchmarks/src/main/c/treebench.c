/*
 * Helper for benchmarks/tree-benchmark.sh: makes the benchmark trees, and times the C baseline
 * of the per-file clone latency (figure (c) in BENCHMARKS.md).
 *
 *   treebench mktree DIR DIRS FILES_PER_DIR SEED
 *       Creates DIR/dNNN/fNNNN: DIRS directories of FILES_PER_DIR files each, every file a
 *       size drawn uniformly from 0..4096 bytes of pseudo-random data (xorshift64*, seeded, so
 *       every run makes the same tree). DIR must not exist. Prints one line:
 *       "files=N bytes=B empty=E inline=I cloneable=C" where inline counts files of 1..2048
 *       bytes (btrfs keeps those inline in the metadata: a FICLONE copies them) and cloneable
 *       the files above 2048 bytes.
 *
 *   treebench clone SOURCE DIR N WARMUP [keep]
 *       WARMUP untimed iterations, then N timed ones, each:
 *           open(SOURCE, O_RDONLY) + open(target, O_WRONLY|O_CREAT|O_EXCL, 0644)
 *           + ioctl(target, FICLONE, source) + close + close
 *       timed with clock_gettime(CLOCK_MONOTONIC) around exactly those five calls; the target
 *       (DIR/c-<i>, a fresh name each time) is unlinked after the timed part. With "keep" the
 *       last target is left for the caller to inspect. Prints one line:
 *       "n=N mean_ns=M median_ns=D min_ns=L p90_ns=P"
 *       The Java side (CloneLatency.java) has the same loop shape around Reflink.always.
 *
 *   treebench cold SOURCE DIR N
 *       The same five calls in a fresh process, no warm-up, each of the first N calls timed
 *       (N >= 101). Prints "n=N first_ns=F median_1_100_ns=A median_101_n_ns=B".
 *
 * Used by src/benchmarks.sh (see BENCHMARKS.md):
 *
 *   treebench mksparse FILE SIZE_MIB DATA_MIB EXTENTS SEED
 *       A sparse file of SIZE_MIB MiB holding DATA_MIB MiB of pseudo-random data in EXTENTS
 *       runs of equal length, spread evenly (the first at offset 0, the last ending at the end).
 *   treebench mkdata FILE SIZE_MIB SEED
 *       A dense file of SIZE_MIB MiB of pseudo-random data.
 *   treebench samecontent A B
 *       Exit 0 when A and B hold the same bytes (holes read as zeros): compares the data
 *       segments of A (SEEK_DATA/SEEK_HOLE) and checks that B's data inside A's holes is
 *       zero, so a sparse file is compared without reading its holes. Prints the first
 *       difference and exits 1 otherwise.
 *   treebench mkdupes DIR SEED PERCENT
 *       The dedupe tree (about 600 MB at PERCENT=100, fewer files at less): groups of 2 to 4
 *       identical files of 0.5 to 6 MiB, pairs of near-duplicates (same size, one byte
 *       differs), pairs of identical small files, many small unique files and a few empty
 *       ones, spread over 16 directories. Prints "files=N bytes=B identical_files=I
 *       identical_bytes=J" where the identical_* count files that have an identical twin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 4096
#define BTRFS_MAX_INLINE 2048

static void die(const char *what, const char *path) {
    fprintf(stderr, "treebench: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static uint64_t state;

static uint64_t next_random(void) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

static int mktree(const char *root, long dirs, long per_dir, uint64_t seed) {
    char path[4096];
    unsigned char data[MAX_SIZE + 8];
    long files = 0, empty = 0, inline_files = 0, cloneable = 0;
    long long bytes = 0;
    state = seed ? seed : 1;
    if (mkdir(root, 0755) != 0) {
        die("mkdir", root);
    }
    for (long d = 0; d < dirs; d++) {
        snprintf(path, sizeof path, "%s/d%03ld", root, d);
        if (mkdir(path, 0755) != 0) {
            die("mkdir", path);
        }
        for (long f = 0; f < per_dir; f++) {
            size_t size = (size_t) (next_random() % (MAX_SIZE + 1));
            for (size_t i = 0; i < size; i += 8) {
                uint64_t r = next_random();
                memcpy(data + i, &r, 8);
            }
            snprintf(path, sizeof path, "%s/d%03ld/f%04ld", root, d, f);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd < 0) {
                die("open", path);
            }
            size_t done = 0;
            while (done < size) {
                ssize_t n = write(fd, data + done, size - done);
                if (n < 0) {
                    die("write", path);
                }
                done += (size_t) n;
            }
            if (close(fd) != 0) {
                die("close", path);
            }
            files++;
            bytes += (long long) size;
            if (size == 0) {
                empty++;
            } else if (size <= BTRFS_MAX_INLINE) {
                inline_files++;
            } else {
                cloneable++;
            }
        }
    }
    printf("files=%ld bytes=%lld empty=%ld inline=%ld cloneable=%ld\n", files, bytes, empty, inline_files, cloneable);
    return 0;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return (x > y) - (x < y);
}

/* open + open(O_CREAT|O_EXCL) + FICLONE + close + close, timed; the nanoseconds they took */
static long long clone_once(const char *source, const char *target) {
    long long start = now_ns();
    int in = open(source, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        die("open", source);
    }
    int out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        die("open", target);
    }
    if (ioctl(out, FICLONE, in) != 0) {
        die("ioctl(FICLONE)", target);
    }
    if (close(out) != 0) {
        die("close", target);
    }
    close(in);
    return now_ns() - start;
}

static int clone_loop(const char *source, const char *dir, long n, long warmup, int keep) {
    char target[4096];
    long long *times = malloc(sizeof(long long) * (size_t) (n > 0 ? n : 1));
    if (times == NULL) {
        die("malloc", "");
    }
    for (long i = -warmup; i < n; i++) {
        snprintf(target, sizeof target, "%s/c-%ld", dir, i + warmup);
        long long elapsed = clone_once(source, target);
        if (i >= 0) {
            times[i] = elapsed;
        }
        if (!(keep && i == n - 1) && unlink(target) != 0) {
            die("unlink", target);
        }
    }
    long double sum = 0;
    for (long i = 0; i < n; i++) {
        sum += times[i];
    }
    qsort(times, (size_t) n, sizeof times[0], compare);
    printf("n=%ld mean_ns=%.0Lf median_ns=%lld min_ns=%lld p90_ns=%lld\n", n, sum / n, times[n / 2], times[0],
           times[(n * 9) / 10]);
    free(times);
    return 0;
}

static int cold_loop(const char *source, const char *dir, long n) {
    char target[4096];
    long long *times = malloc(sizeof(long long) * (size_t) n);
    if (times == NULL) {
        die("malloc", "");
    }
    for (long i = 0; i < n; i++) {
        snprintf(target, sizeof target, "%s/k-%ld", dir, i);
        times[i] = clone_once(source, target);
    }
    for (long i = 0; i < n; i++) {
        snprintf(target, sizeof target, "%s/k-%ld", dir, i);
        if (unlink(target) != 0) {
            die("unlink", target);
        }
    }
    long long first = times[0];
    qsort(times, 100, sizeof times[0], compare);
    long long early = times[50];
    qsort(times + 100, (size_t) (n - 100), sizeof times[0], compare);
    long long later = times[100 + (n - 100) / 2];
    printf("n=%ld first_ns=%lld median_1_100_ns=%lld median_101_n_ns=%lld\n", n, first, early, later);
    free(times);
    return 0;
}

#define CHUNK (1 << 20)

static unsigned char chunk[CHUNK];

static void fill_random(unsigned char *buffer, size_t size) {
    for (size_t i = 0; i < size; i += 8) {
        uint64_t r = next_random();
        memcpy(buffer + i, &r, size - i < 8 ? size - i : 8);
    }
}

static void write_all(int fd, const unsigned char *data, size_t size, off_t offset, const char *path) {
    while (size > 0) {
        ssize_t n = pwrite(fd, data, size, offset);
        if (n < 0) {
            die("write", path);
        }
        data += n;
        size -= (size_t) n;
        offset += n;
    }
}

/* SIZE bytes of the current random stream at OFFSET of FD */
static void write_random(int fd, off_t offset, long long size, const char *path) {
    while (size > 0) {
        size_t n = size < CHUNK ? (size_t) size : CHUNK;
        fill_random(chunk, n);
        write_all(fd, chunk, n, offset, path);
        offset += (off_t) n;
        size -= (long long) n;
    }
}

static int create_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        die("open", path);
    }
    return fd;
}

static void close_file(int fd, const char *path) {
    if (close(fd) != 0) {
        die("close", path);
    }
}

static int mksparse(const char *path, long long size_mib, long long data_mib, long extents, uint64_t seed) {
    long long size = size_mib << 20, data = data_mib << 20;
    if (extents < 2 || data > size || data % extents != 0 || (data / extents) % 4096 != 0) {
        fprintf(stderr, "treebench mksparse: DATA_MIB must split into EXTENTS (>= 2) runs of whole 4 KiB blocks\n");
        return 2;
    }
    long long run = data / extents, step = (size - run) / (extents - 1);
    step -= step % 4096;
    state = seed ? seed : 1;
    int fd = create_file(path);
    if (ftruncate(fd, size) != 0) {
        die("ftruncate", path);
    }
    for (long e = 0; e < extents; e++) {
        off_t at = e == extents - 1 ? size - run : (off_t) (e * step);
        write_random(fd, at, run, path);
    }
    close_file(fd, path);
    return 0;
}

static int mkdata(const char *path, long long size_mib, uint64_t seed) {
    state = seed ? seed : 1;
    int fd = create_file(path);
    write_random(fd, 0, size_mib << 20, path);
    close_file(fd, path);
    return 0;
}

static unsigned char other[CHUNK];

static int read_at(int fd, unsigned char *buffer, size_t size, off_t offset, const char *path) {
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, buffer + done, size - done, offset + (off_t) done);
        if (n < 0) {
            die("read", path);
        }
        if (n == 0) {
            break;
        }
        done += (size_t) n;
    }
    return (int) (done == size);
}

static int samecontent(const char *a, const char *b) {
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    struct stat sa, sb;
    if (fa < 0) {
        die("open", a);
    }
    if (fb < 0) {
        die("open", b);
    }
    if (fstat(fa, &sa) != 0 || fstat(fb, &sb) != 0) {
        die("fstat", a);
    }
    if (sa.st_size != sb.st_size) {
        printf("sizes differ: %lld and %lld\n", (long long) sa.st_size, (long long) sb.st_size);
        return 1;
    }
    off_t pos = 0, end = sa.st_size;
    while (pos < end) {
        off_t data = lseek(fa, pos, SEEK_DATA);
        if (data < 0 && errno != ENXIO) {
            die("lseek(SEEK_DATA)", a);
        }
        off_t hole_end = data < 0 ? end : data;
        /* A's hole [pos, hole_end): B must read zeros there, checked only where B has data */
        for (off_t q = pos; q < hole_end;) {
            off_t bd = lseek(fb, q, SEEK_DATA);
            if (bd < 0 || bd >= hole_end) {
                break;
            }
            off_t bh = lseek(fb, bd, SEEK_HOLE);
            if (bh < 0) {
                die("lseek(SEEK_HOLE)", b);
            }
            if (bh > hole_end) {
                bh = hole_end;
            }
            for (off_t r = bd; r < bh; r += CHUNK) {
                size_t n = (size_t) (bh - r < CHUNK ? bh - r : CHUNK);
                read_at(fb, other, n, r, b);
                for (size_t i = 0; i < n; i++) {
                    if (other[i] != 0) {
                        printf("byte %lld: a hole in %s, %d in %s\n", (long long) r + (long long) i, a, other[i], b);
                        return 1;
                    }
                }
            }
            q = bh;
        }
        if (data < 0) {
            break;
        }
        off_t data_end = lseek(fa, data, SEEK_HOLE);
        if (data_end < 0) {
            die("lseek(SEEK_HOLE)", a);
        }
        for (off_t r = data; r < data_end; r += CHUNK) {
            size_t n = (size_t) (data_end - r < CHUNK ? data_end - r : CHUNK);
            if (!read_at(fa, chunk, n, r, a) || !read_at(fb, other, n, r, b)) {
                printf("short read near byte %lld\n", (long long) r);
                return 1;
            }
            if (memcmp(chunk, other, n) != 0) {
                for (size_t i = 0; i < n; i++) {
                    if (chunk[i] != other[i]) {
                        printf("byte %lld differs: %d in %s, %d in %s\n", (long long) r + (long long) i, chunk[i], a,
                               other[i], b);
                        break;
                    }
                }
                return 1;
            }
        }
        pos = data_end;
    }
    close(fa);
    close(fb);
    return 0;
}

static long dupe_files;
static long long dupe_bytes, identical_files, identical_bytes;

/* DIR/dNN/NAME (directory by a counter) of SIZE bytes of the random stream seeded with SEED;
 * FLIP >= 0 inverts the byte at that offset */
static void dupe_file(const char *root, const char *name, long long size, uint64_t seed, long long flip) {
    char path[4096];
    snprintf(path, sizeof path, "%s/d%02ld/%s", root, dupe_files % 16, name);
    uint64_t saved = state;
    state = seed ? seed : 1;
    int fd = create_file(path);
    for (long long at = 0; at < size; at += CHUNK) {
        size_t n = (size_t) (size - at < CHUNK ? size - at : CHUNK);
        fill_random(chunk, n);
        if (flip >= at && flip < at + (long long) n) {
            chunk[flip - at] ^= 0xff;
        }
        write_all(fd, chunk, n, (off_t) at, path);
    }
    close_file(fd, path);
    state = saved;
    dupe_files++;
    dupe_bytes += size;
}

static int mkdupes(const char *root, uint64_t seed, long percent) {
    char path[4096], name[256];
    state = seed ? seed : 1;
    if (mkdir(root, 0755) != 0) {
        die("mkdir", root);
    }
    for (int d = 0; d < 16; d++) {
        snprintf(path, sizeof path, "%s/d%02d", root, d);
        if (mkdir(path, 0755) != 0) {
            die("mkdir", path);
        }
    }
    long groups = 40 * percent / 100, pairs = 25 * percent / 100, small_pairs = 200 * percent / 100,
         small = 4000 * percent / 100;
    for (long g = 0; g < groups; g++) {
        long long size = (512 << 10) + (long long) (next_random() % (5632 << 10)); /* 0.5 to 6 MiB, unaligned */
        long copies = 2 + (long) (next_random() % 3);
        uint64_t content = next_random();
        for (long c = 0; c < copies; c++) {
            snprintf(name, sizeof name, "same-%03ld-%ld", g, c);
            dupe_file(root, name, size, content, -1);
        }
        identical_files += copies;
        identical_bytes += copies * size;
    }
    for (long p = 0; p < pairs; p++) {
        long long size = (512 << 10) + (long long) (next_random() % (5632 << 10));
        long long flip = (long long) (next_random() % (uint64_t) size);
        uint64_t content = next_random();
        snprintf(name, sizeof name, "near-%03ld-a", p);
        dupe_file(root, name, size, content, -1);
        snprintf(name, sizeof name, "near-%03ld-b", p);
        dupe_file(root, name, size, content, flip);
    }
    for (long p = 0; p < small_pairs; p++) {
        long long size = 1 + (long long) (next_random() % (16 << 10));
        uint64_t content = next_random();
        for (int c = 0; c < 2; c++) {
            snprintf(name, sizeof name, "pair-%04ld-%d", p, c);
            dupe_file(root, name, size, content, -1);
        }
        identical_files += 2;
        identical_bytes += 2 * size;
    }
    for (long u = 0; u < small; u++) {
        long long size = 1 + (long long) (next_random() % (16 << 10));
        snprintf(name, sizeof name, "unique-%05ld", u);
        dupe_file(root, name, size, next_random(), -1);
    }
    for (int e = 0; e < 8; e++) {
        snprintf(name, sizeof name, "empty-%d", e);
        dupe_file(root, name, 0, 1, -1);
    }
    printf("files=%ld bytes=%lld identical_files=%lld identical_bytes=%lld\n", dupe_files, dupe_bytes,
           identical_files, identical_bytes);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "mktree") == 0) {
        return mktree(argv[2], atol(argv[3]), atol(argv[4]), strtoull(argv[5], NULL, 10));
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "clone") == 0 && atol(argv[4]) > 0) {
        return clone_loop(argv[2], argv[3], atol(argv[4]), atol(argv[5]), argc == 7 && strcmp(argv[6], "keep") == 0);
    }
    if (argc == 5 && strcmp(argv[1], "cold") == 0 && atol(argv[4]) > 100) {
        return cold_loop(argv[2], argv[3], atol(argv[4]));
    }
    if (argc == 7 && strcmp(argv[1], "mksparse") == 0) {
        return mksparse(argv[2], atoll(argv[3]), atoll(argv[4]), atol(argv[5]), strtoull(argv[6], NULL, 10));
    }
    if (argc == 5 && strcmp(argv[1], "mkdata") == 0) {
        return mkdata(argv[2], atoll(argv[3]), strtoull(argv[4], NULL, 10));
    }
    if (argc == 4 && strcmp(argv[1], "samecontent") == 0) {
        return samecontent(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "mkdupes") == 0 && atol(argv[4]) > 0) {
        return mkdupes(argv[2], strtoull(argv[3], NULL, 10), atol(argv[4]));
    }
    fprintf(stderr, "usage: treebench mktree DIR DIRS FILES_PER_DIR SEED\n"
                    "       treebench clone SOURCE DIR N WARMUP [keep]\n"
                    "       treebench cold SOURCE DIR N\n"
                    "       treebench mksparse FILE SIZE_MIB DATA_MIB EXTENTS SEED\n"
                    "       treebench mkdata FILE SIZE_MIB SEED\n"
                    "       treebench samecontent A B\n"
                    "       treebench mkdupes DIR SEED PERCENT\n");
    return 2;
}

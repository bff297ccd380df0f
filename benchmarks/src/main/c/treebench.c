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

static int clone_loop(const char *source, const char *dir, long n, long warmup, int keep) {
    char target[4096];
    long long *times = malloc(sizeof(long long) * (size_t) (n > 0 ? n : 1));
    if (times == NULL) {
        die("malloc", "");
    }
    for (long i = -warmup; i < n; i++) {
        snprintf(target, sizeof target, "%s/c-%ld", dir, i + warmup);
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
        long long elapsed = now_ns() - start;
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

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "mktree") == 0) {
        return mktree(argv[2], atol(argv[3]), atol(argv[4]), strtoull(argv[5], NULL, 10));
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "clone") == 0 && atol(argv[4]) > 0) {
        return clone_loop(argv[2], argv[3], atol(argv[4]), atol(argv[5]), argc == 7 && strcmp(argv[6], "keep") == 0);
    }
    fprintf(stderr, "usage: treebench mktree DIR DIRS FILES_PER_DIR SEED\n"
                    "       treebench clone SOURCE DIR N WARMUP [keep]\n");
    return 2;
}

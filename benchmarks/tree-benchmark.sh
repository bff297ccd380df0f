#!/usr/bin/env bash
# Trees of 100,000 small files: reflink4j against GNU cp, side by side in one run, on btrfs and
# xfs (reflink=1). Prints a Markdown section for BENCHMARKS.md on stdout; progress on stderr.
#
#   (a) `java -jar cli/target/reflink.jar cp -r SRC DST` as a whole process (JVM start included)
#       vs `cp -r --reflink=always SRC DST`                                    target ratio <= 0.8
#   (b) Reflink.copyTree(SRC, DST) in a warm JVM (TreeCopyRun, after 2 warm-up copies)
#       vs `cp -r --reflink=always SRC DST` as a process                       target ratio <= 0.6
#   (c) one warm Reflink.always(a, b) of a 4 KiB file (CloneLatency) vs a C loop of
#       open + open(O_CREAT|O_EXCL) + ioctl(FICLONE) + close + close (treebench clone)
#                                                                             target ratio <= 1.3
# plus `reflink cp -r -j 1`, `reflink cp` of one 4 KiB file (the fixed cost: JVM start and one
# clone), CPU use (user+sys against elapsed: how the cores are used), and one run of
# `reflink cp -r` and of `cp -r` under `strace -f -c` (system calls per file).
#
# Method: no cache can be dropped in a container, so every measurement runs ROUNDS times with the
# contenders alternated (the order rotated each round) on a warm page cache; the tables give the
# median and the min. Targets are removed and the file system synced between runs, outside the
# timed part. After every tree copy the target is checked: as many entries as the source
# (find | wc -l), and 20 sampled files above the btrfs inline limit (2048 bytes) identical (cmp)
# and reported `shared` by `filefrag -v`. Ratios only: nothing here asserts a time.
#
# Usage (as root; idempotent: mounts the file systems with src/test-filesystems.sh, builds the
# jars with mvn when they are missing or older than the sources, compiles the C helper, makes
# each tree once and reuses it on later runs; about 10 minutes with the defaults on 2 cores):
#
#   benchmarks/tree-benchmark.sh > tree-benchmark.md
#   benchmarks/tree-benchmark.sh --report DIR   # print the tables again from a run's raw figures
#   benchmarks/tree-benchmark.sh --clean        # remove the trees this script made
#
# Environment: FILESYSTEMS (default "btrfs xfs"), ROUNDS (3; 3 to 5 are sensible), DIRS (100),
# FILES_PER_DIR (1000), CLONES (20000 timed clones per round for (c)), STRACE (1; 0 skips the
# strace runs), JAVA (default java; e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java), LABEL (in
# the heading; default "new engine"), OUT (where the raw figures go; default
# benchmarks/target/tree-benchmark/DATE).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILESYSTEMS=${FILESYSTEMS:-"btrfs xfs"}
ROUNDS=${ROUNDS:-3}
DIRS=${DIRS:-100}
FILES_PER_DIR=${FILES_PER_DIR:-1000}
CLONES=${CLONES:-20000}
CLONE_WARMUP=${CLONE_WARMUP:-1000}
STRACE=${STRACE:-1}
JAVA=${JAVA:-java}
LABEL=${LABEL:-new engine}
SEED=20261126
MNT=${REFLINK4J_FS_ROOT:-/var/tmp/reflink4j-fs}/mnt
REFLINK_JAR=$root/cli/target/reflink.jar
BENCH_JAR=$root/benchmarks/target/benchmarks.jar
TREEBENCH=$root/benchmarks/target/c/treebench
JVM_FLAGS=(--enable-native-access=ALL-UNNAMED)

die() { echo "tree-benchmark: $*" >&2; exit 1; }
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
problem() { echo "$*" >>"$PROBLEMS"; say "PROBLEM: $*"; }
workdir_of() { echo "$MNT/$1/reflink4j-tree-bench"; }
us_between() { echo $(( ${2/./} - ${1/./} )); }   # two EPOCHREALTIME values -> microseconds
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { sort -g | head -1; }
maximum() { sort -g | tail -1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

set_paths() { # OUT: the files of one run
  LOG=$OUT/log.txt
  RESULTS=$OUT/trees.tsv       # fs label round(0: warm-up) elapsed_s user_s sys_s cpu_s maxrss_kb vol_cs invol_cs gc_ms
  LATENCY=$OUT/latency.tsv     # fs label round n mean_ns median_ns min_ns p90_ns
  PROBLEMS=$OUT/problems.txt
  META=$OUT/meta.env
}

# ---------------------------------------------------------------- tools, file systems, builds
stale() { # JAR: missing, or older than a source or pom of the modules it is built from
  [ ! -f "$1" ] && return 0
  [ -n "$(find "$root/pom.xml" "$root/provider" "$root/cli" "$root/benchmarks/src" "$root/benchmarks/pom.xml" \
            -name target -prune -o -type f -newer "$1" -print -quit)" ]
}

prepare() {
  local need=() fs
  command -v strace >/dev/null || need+=(strace)
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  [ -x /usr/bin/time ] || need+=(time)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$LOG" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >>"$LOG" 2>&1
  fi
  "$root/src/test-filesystems.sh" >>"$LOG" 2>&1 || die "src/test-filesystems.sh failed (see $LOG)"
  for fs in $FILESYSTEMS; do
    [ "$(findmnt -n -o FSTYPE --target "$MNT/$fs")" = "$fs" ] || die "$MNT/$fs is not a $fs mount"
  done
  if stale "$REFLINK_JAR" || stale "$BENCH_JAR"; then
    say "building the jars (mvn -B -q package -DskipTests)"
    (cd "$root" && mvn -B -q package -DskipTests) >>"$LOG" 2>&1 || die "the build failed (see $LOG)"
  fi
  if [ ! -x "$TREEBENCH" ] || [ "$root/benchmarks/src/main/c/treebench.c" -nt "$TREEBENCH" ]; then
    mkdir -p "$(dirname "$TREEBENCH")"
    gcc -O2 -Wall -Wextra -o "$TREEBENCH" "$root/benchmarks/src/main/c/treebench.c"
  fi
}

make_tree() { # FS: the source tree, its entry count and its sample, once; sets SRC, ENTRIES, SAMPLE
  local fs=$1 base tree
  base=$(workdir_of "$fs")
  tree=src-${DIRS}x${FILES_PER_DIR}
  SRC=$base/$tree
  mkdir -p "$base"
  if [ ! -f "$base/$tree.ready" ]; then
    say "$fs: making the tree $SRC"
    rm -rf "$SRC" "$base/$tree".*
    "$TREEBENCH" mktree "$SRC" "$DIRS" "$FILES_PER_DIR" "$SEED" >"$base/$tree.stats"
    find "$SRC" | wc -l >"$base/$tree.entries"
    # 20 files above the btrfs inline limit, spread over the tree: the clones checked after each copy
    find "$SRC" -type f -size +2048c -printf '%P\n' | sort >"$base/$tree.cloneable"
    awk -v n="$(wc -l <"$base/$tree.cloneable")" 'BEGIN { step = int(n / 20); if (step < 1) step = 1 }
      (NR - 1) % step == 0 && c < 20 { print; c++ }' "$base/$tree.cloneable" >"$base/$tree.sample"
    rm "$base/$tree.cloneable"
    head -c 4096 /dev/urandom >"$base/one-4k"
    sync -f "$base"
    touch "$base/$tree.ready"
  fi
  ENTRIES=$(cat "$base/$tree.entries")
  SAMPLE=$base/$tree.sample
  cp "$base/$tree.stats" "$OUT/tree-$fs.stats"
}

# ---------------------------------------------------------------- one measurement
clean_targets() { # FS: remove every target, then sync the file system so the next run starts clean
  local base; base=$(workdir_of "$1")
  rm -rf "$base/dst" "$base/dst-one" "$base/clones"
  mkdir -p "$base/clones"
  sync -f "$base"
}

verify_tree() { # FS LABEL: the target has the source's entries; sampled clones are identical and shared
  local fs=$1 label=$2 base got rel
  base=$(workdir_of "$fs")
  got=$(find "$base/dst" 2>/dev/null | wc -l)
  [ "$got" = "$ENTRIES" ] || problem "$fs $label: $got entries in the target, $ENTRIES in the source"
  while read -r rel; do
    if ! cmp -s "$SRC/$rel" "$base/dst/$rel"; then
      problem "$fs $label: $rel differs from the source"
    elif ! filefrag -v "$base/dst/$rel" 2>/dev/null | grep -q shared; then
      problem "$fs $label: $rel ($(stat -c %s "$SRC/$rel") bytes) is not shared (filefrag -v)"
    fi
  done <"$SAMPLE"
}

run_process() { # FS LABEL ROUND COMMAND...: one process, wall clock around it, CPU from /usr/bin/time
  local fs=$1 label=$2 round=$3 t0 t1 us status=0 user sys rss vol inv
  shift 3
  echo "== $fs $label round $round: $*" >>"$LOG"
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%U %S %M %w %c' -o "$OUT/time.txt" "$@" >>"$LOG" 2>&1 || status=$?
  t1=$EPOCHREALTIME
  [ "$status" -eq 0 ] || problem "$fs $label round $round: exit status $status (see $LOG)"
  read -r user sys rss vol inv < <(tail -1 "$OUT/time.txt")
  us=$(us_between "$t0" "$t1")
  awk -v f="$fs" -v l="$label" -v r="$round" -v us="$us" -v u="$user" -v s="$sys" -v m="$rss" -v v="$vol" -v i="$inv" \
    'BEGIN { printf "%s\t%s\t%s\t%.6f\t%s\t%s\t%.2f\t%s\t%s\t%s\t-\n", f, l, r, us / 1e6, u, s, u + s, m, v, i }' >>"$RESULTS"
  say "$fs $label round $round: $(calc '%.3f s' "$us / 1e6")"
}

jvm_ask() { # COMMAND LINE: send it to the running Java helper (the coprocess), print its answer
  echo "$*" >&"${JVMSRV[1]}"
  local answer
  read -r -u "${JVMSRV[0]}" answer || die "the Java helper died (see $LOG)"
  case "$answer" in ok*) echo "$answer" ;; *) die "the Java helper answered: $answer" ;; esac
}

run_copytree() { # FS LABEL ROUND: one in-process Reflink.copyTree in the warm TreeCopyRun
  local fs=$1 label=$2 round=$3 base answer
  base=$(workdir_of "$fs")
  answer=$(jvm_ask copy "$SRC" "$base/dst" 0)
  echo "== $fs $label round $round: $answer" >>"$LOG"
  [ "$(field failed "$answer")" = 0 ] || problem "$fs $label round $round: $answer"
  awk -v f="$fs" -v l="$label" -v r="$round" -v e="$(field elapsed_ns "$answer")" -v c="$(field cpu_ns "$answer")" \
      -v g="$(field gc_ms "$answer")" \
    'BEGIN { printf "%s\t%s\t%s\t%.6f\t-\t-\t%.2f\t-\t-\t-\t%s\n", f, l, r, e / 1e9, c / 1e9, g }' >>"$RESULTS"
  say "$fs $label round $round: $(calc '%.3f s' "$(field elapsed_ns "$answer") / 1e9")"
}

run_contender() { # FS NAME ROUND
  local fs=$1 name=$2 round=$3 base
  base=$(workdir_of "$fs")
  case "$name" in
    cp)       run_process "$fs" cp "$round" cp -r --reflink=always "$SRC" "$base/dst"; verify_tree "$fs" cp ;;
    reflink)  run_process "$fs" reflink "$round" "$JAVA" -jar "$REFLINK_JAR" cp -r "$SRC" "$base/dst"
              verify_tree "$fs" reflink ;;
    reflink1) run_process "$fs" reflink-j1 "$round" "$JAVA" -jar "$REFLINK_JAR" cp -r -j 1 "$SRC" "$base/dst"
              verify_tree "$fs" reflink-j1 ;;
    copytree) run_copytree "$fs" copytree "$round"; verify_tree "$fs" copytree ;;
    one)      run_process "$fs" reflink-one-file "$round" "$JAVA" -jar "$REFLINK_JAR" cp "$base/one-4k" "$base/dst-one"
              filefrag -v "$base/dst-one" | grep -q shared || problem "$fs reflink-one-file: the copy is not shared" ;;
  esac
  clean_targets "$fs"
}

run_latency() { # FS NAME(c|java) ROUND [keep]
  local fs=$1 name=$2 round=$3 keep=${4:-} base answer last
  base=$(workdir_of "$fs")
  if [ "$name" = java ]; then
    answer=$(jvm_ask clone "$base/one-4k" "$base/clones" "$CLONES" "$CLONE_WARMUP" $keep)
  else
    answer=$("$TREEBENCH" clone "$base/one-4k" "$base/clones" "$CLONES" "$CLONE_WARMUP" $keep 2>>"$LOG") \
      || die "treebench clone failed (see $LOG)"
  fi
  echo "== $fs latency-$name round $round: $answer" >>"$LOG"
  printf '%s\tlatency-%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$name" "$round" "$(field n "$answer")" \
    "$(field mean_ns "$answer")" "$(field median_ns "$answer")" "$(field min_ns "$answer")" "$(field p90_ns "$answer")" \
    >>"$LATENCY"
  say "$fs latency-$name round $round: ${answer#ok }"
  if [ -n "$keep" ]; then
    last=$(find "$base/clones" -type f | head -1)
    [ -n "$last" ] && filefrag -v "$last" | grep -q shared || problem "$fs latency-$name: the kept clone is not shared"
  fi
  clean_targets "$fs"
}

start_jvm() { # MAIN-CLASS: the Java helper as a coprocess, fed commands line by line
  coproc JVMSRV { exec "$JAVA" "${JVM_FLAGS[@]}" -cp "$BENCH_JAR" "io.github.reflink4j.benchmarks.$1" 2>>"$LOG"; }
}

stop_jvm() {
  if [ -n "${JVMSRV_PID:-}" ]; then
    local pid=$JVMSRV_PID
    echo quit >&"${JVMSRV[1]}" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

on_exit() {
  local fs base
  if [ -n "${JVMSRV_PID:-}" ]; then kill "$JVMSRV_PID" 2>/dev/null || true; fi
  for fs in $FILESYSTEMS; do
    base=$(workdir_of "$fs")
    if [ -d "$base" ]; then rm -rf "$base/dst" "$base/dst-one" "$base/clones"; fi
  done
}

# ---------------------------------------------------------------- the run
measure() {
  local fs base round i warm keep start
  start=$EPOCHREALTIME
  {
    echo "FILESYSTEMS='$FILESYSTEMS' ROUNDS=$ROUNDS DIRS=$DIRS FILES_PER_DIR=$FILES_PER_DIR"
    echo "CLONES=$CLONES CLONE_WARMUP=$CLONE_WARMUP STRACE=$STRACE LABEL='$LABEL'"
    echo "RUN_DATE='$(date -u '+%Y-%m-%d %H:%M UTC')' NPROC=$(nproc) KERNEL='$(uname -r)'"
    echo "JDK='$("$JAVA" -version 2>&1 | head -1)' GNU_CP='$(cp --version | head -1)'"
    echo "COMMIT='$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(
      [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' with local changes')'"
    echo "LOAD_START='$(cut -d' ' -f1-3 /proc/loadavg)'"
  } >"$META"
  say "raw figures in $OUT; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for fs in $FILESYSTEMS; do
    make_tree "$fs"
    base=$(workdir_of "$fs")
    clean_targets "$fs"

    # (a), (b): the tree copies, alternated, with TreeCopyRun alive (and warm) all along
    say "$fs: tree copies, $ROUNDS rounds ($(cat "$OUT/tree-$fs.stats"))"
    start_jvm TreeCopyRun
    run_contender "$fs" one 0
    for warm in 1 2; do
      run_copytree "$fs" copytree-warmup "$warm"; verify_tree "$fs" copytree-warmup; clean_targets "$fs"
    done
    local contenders=(cp reflink copytree reflink1 one)
    for round in $(seq 1 "$ROUNDS"); do
      for i in "${!contenders[@]}"; do
        run_contender "$fs" "${contenders[$(( (i + round - 1) % ${#contenders[@]} ))]}" "$round"
      done
    done
    stop_jvm

    # (c): the latency of one clone, CloneLatency warmed by one untimed loop first
    say "$fs: clone latency, $ROUNDS rounds of $CLONES clones"
    start_jvm CloneLatency
    jvm_ask clone "$base/one-4k" "$base/clones" "$CLONES" "$CLONE_WARMUP" >>"$LOG"
    clean_targets "$fs"
    for round in $(seq 1 "$ROUNDS"); do
      keep=; [ "$round" = 1 ] && keep=keep
      if [ $(( round % 2 )) = 1 ]; then
        run_latency "$fs" c "$round" $keep; run_latency "$fs" java "$round" $keep
      else
        run_latency "$fs" java "$round"; run_latency "$fs" c "$round"
      fi
    done
    stop_jvm

    # where the time goes: one run of each under strace -f -c
    if [ "$STRACE" = 1 ]; then
      say "$fs: reflink cp -r under strace -f -c"
      strace -f -c -o "$OUT/strace-$fs-reflink.txt" "$JAVA" -jar "$REFLINK_JAR" cp -r "$SRC" "$base/dst" >>"$LOG" 2>&1 \
        || problem "$fs: reflink cp -r under strace failed"
      verify_tree "$fs" reflink-strace; clean_targets "$fs"
      say "$fs: cp -r under strace -f -c"
      strace -f -c -o "$OUT/strace-$fs-cp.txt" cp -r --reflink=always "$SRC" "$base/dst" >>"$LOG" 2>&1 \
        || problem "$fs: cp -r under strace failed"
      verify_tree "$fs" cp-strace; clean_targets "$fs"
    fi
  done
  {
    echo "LOAD_END='$(cut -d' ' -f1-3 /proc/loadavg)' ENTRIES=$ENTRIES"
    echo "SECONDS_TAKEN=$(calc %.0f "$(us_between "$start" "$EPOCHREALTIME") / 1e6")"
  } >>"$META"
}

# ---------------------------------------------------------------- the report
stat_of() { # FS LABEL COLUMN(4 elapsed, 7 cpu) median|minimum
  awk -F'\t' -v f="$1" -v l="$2" -v c="$3" '$1 == f && $2 == l && $3 > 0 { print $c }' "$RESULTS" | "$4"
}
lat_of() { # FS LABEL COLUMN(5 mean, 6 median, 8 p90) -> median over the rounds, in ns
  awk -F'\t' -v f="$1" -v l="$2" -v c="$3" '$1 == f && $2 == l { print $c }' "$LATENCY" | median
}
column_median() { # FILE COLUMN: median of the column's values, "nan" when there are none
  cut -f"$2" "$1" | grep -v '^-$' | median
}
utilization_of() { # FS LABEL: median over the runs of (user+sys)/elapsed, in %
  awk -F'\t' -v f="$1" -v l="$2" '$1 == f && $2 == l && $3 > 0 && $4 > 0 { printf "%.0f\n", 100 * $7 / $4 }' "$RESULTS" |
    median | awk '{ printf "%.0f", $1 }'
}
thousands() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }

strace_rows() { # FILE: "calls errors usecs_per_call seconds name" per system call of a strace -c summary, and total
  awk '/^-+ / || /% time/ { next } NF == 6 { print $4, $5, $3, $2, $6 } NF == 5 { print $4, 0, $3, $2, $5 }' "$1"
}

strace_table() { # REFLINK_FILE CP_FILE FILES: Markdown rows, by calls per file of reflink cp -r
  { strace_rows "$1" | sed 's/^/r /'; strace_rows "$2" | sed 's/^/c /'; } | awk -v n="$3" '
    { k = $1 "," $6; calls[k] = $2; errors[k] = $3; usecs[k] = $4; names[$6] = 1
      if ($6 != "total" && $6 != "futex") busy[$1] += $5 }
    function per_file(who, s,   k) {
      k = who "," s
      if (!(k in calls)) return "–"
      return sprintf("%.2f", calls[k] / n) (errors[k] > 0 ? sprintf(" (%.2f)", errors[k] / n) : "")
    }
    function per_call(who, s) { return (who "," s) in usecs ? usecs[who "," s] : "–" }
    END {
      for (s in names) {
        if (s == "total") continue
        r = ("r," s) in calls ? calls["r," s] : 0
        c = ("c," s) in calls ? calls["c," s] : 0
        if (r / n >= 0.01 || c / n >= 0.01) {
          printf "1\t%.6f\t%.6f\t| %s | %s | %s | %s | %s |\n", r / n, c / n, s, per_file("r", s), per_call("r", s),
            per_file("c", s), per_call("c", s)
        } else {
          other_r += r; other_c += c
        }
      }
      printf "2\t0\t0\t| other | %.2f | | %.2f | |\n", other_r / n, other_c / n
      printf "3\t0\t0\t| **total** | **%s** | | **%s** | |\n", per_file("r", "total"), per_file("c", "total")
      printf "4\t0\t0\t| s in system calls, futex excluded | %.2f | | %.2f | |\n", busy["r"], busy["c"]
    }' | sort -t"$(printf '\t')" -k1,1n -k2,2gr -k3,3gr | cut -f4-
}

report() {
  local files bytes first_fs fs label name cells cpmed cpmin jm jmean jp cm cmean cp90 rows rf cf
  # shellcheck disable=SC1090
  source "$META"
  first_fs=${FILESYSTEMS%% *}
  files=$(field files "$(cat "$OUT/tree-$first_fs.stats")")
  bytes=$(field bytes "$(cat "$OUT/tree-$first_fs.stats")")
  echo "## Trees of $(thousands "$files") files ($LABEL)"
  echo
  echo "$RUN_DATE, commit $COMMIT; $NPROC cores, Linux $KERNEL, $JDK, $GNU_CP."
  echo "Load average (1, 5, 15 min) at start $LOAD_START, at end $LOAD_END (the machine is shared)."
  echo "Made by \`benchmarks/tree-benchmark.sh\` (as root, ROUNDS=$ROUNDS; it took ${SECONDS_TAKEN} s)."
  echo
  echo "The tree: $DIRS directories of $FILES_PER_DIR files, each of a size drawn uniformly from 0 to 4096 bytes, of"
  echo "random data ($(calc '%.0f MB' "$bytes / 1e6") in all): $(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%d empty, %d of 1 to 2048 bytes, %d of 2049 to 4096 bytes", v["empty"], v["inline"], v["cloneable"] }' "$OUT/tree-$first_fs.stats")."
  echo "btrfs keeps files of up to 2048 bytes inline in its metadata, so a FICLONE of one copies it (\`filefrag\`:"
  echo "\`inline\`, not \`shared\`): there only the larger half of the files is really cloned. xfs has no inline data:"
  echo "every non-empty file is cloned. Each measurement ran $ROUNDS times, the contenders alternated (the order rotated"
  echo "each round) on a warm page cache; targets removed and the file system synced between runs, outside the timed"
  echo "part. Seconds per tree copy, **median** (min–max); processes timed from fork to exit."
  echo
  echo "| file system | cp -r --reflink=always | reflink cp -r | reflink cp -r -j 1 | copyTree, in-process, warm | reflink cp of one 4 KiB file | (a) reflink cp -r / cp -r, target ≤ 0.8 | (b) copyTree / cp -r, target ≤ 0.6 |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for fs in $FILESYSTEMS; do
    cells=""
    for label in cp reflink reflink-j1 copytree reflink-one-file; do
      cells+=" $(calc '**%.2f** (%.2f–%.2f)' "$(stat_of "$fs" "$label" 4 median), $(stat_of "$fs" "$label" 4 minimum), $(stat_of "$fs" "$label" 4 maximum)") |"
    done
    cpmed=$(stat_of "$fs" cp 4 median); cpmin=$(stat_of "$fs" cp 4 minimum)
    cells+=" $(calc '**%.2f** (%.2f)' "$(stat_of "$fs" reflink 4 median) / $cpmed, $(stat_of "$fs" reflink 4 minimum) / $cpmin") |"
    cells+=" $(calc '**%.2f** (%.2f)' "$(stat_of "$fs" copytree 4 median) / $cpmed, $(stat_of "$fs" copytree 4 minimum) / $cpmin") |"
    echo "| $fs |$cells"
  done
  echo
  echo "Ratios: **median over median** (min over min); below 1, reflink4j is faster. \"reflink cp of one 4 KiB file\" is"
  echo "the fixed cost of the command (JVM start, one clone) that \`reflink cp -r\` pays once."
  echo
  echo "### One clone of a 4 KiB file, warm (µs per copy)"
  echo
  echo "Java: \`Reflink.always(a, b)\` in a warm JVM (\`CloneLatency\`, one untimed loop of $CLONES first). C: open(a,"
  echo "O_RDONLY) + open(b, O_WRONLY|O_CREAT|O_EXCL, 0644) + ioctl(b, FICLONE, a) + close + close (\`treebench clone\`)."
  echo "Each round: $CLONE_WARMUP untimed clones, then $CLONES each timed alone (System.nanoTime, CLOCK_MONOTONIC) into"
  echo "a fresh target unlinked after the timed part. Median over the rounds of each round's median (mean, p90)."
  echo
  echo "| file system | Reflink.always | C loop | (c) Java / C: medians (means), target ≤ 1.3 |"
  echo "|---|---:|---:|---:|"
  for fs in $FILESYSTEMS; do
    jm=$(lat_of "$fs" latency-java 6); jmean=$(lat_of "$fs" latency-java 5); jp=$(lat_of "$fs" latency-java 8)
    cm=$(lat_of "$fs" latency-c 6); cmean=$(lat_of "$fs" latency-c 5); cp90=$(lat_of "$fs" latency-c 8)
    echo "| $fs | $(calc '**%.1f** (%.1f, %.1f)' "$jm / 1e3, $jmean / 1e3, $jp / 1e3") | $(calc '**%.1f** (%.1f, %.1f)' "$cm / 1e3, $cmean / 1e3, $cp90 / 1e3") | $(calc '**%.2f** (%.2f)' "$jm / $cm, $jmean / $cmean") |"
  done
  echo
  echo "### How the $NPROC cores are used (medians over the rounds)"
  echo
  echo "CPU is the process's user + system time (/usr/bin/time; for copyTree the JVM's process CPU time during"
  echo "the copy); utilization = CPU / elapsed: 100% is one core busy, $(( NPROC * 100 ))% all of them."
  echo
  echo "| file system | contender | elapsed s | µs per file | user s | sys s | CPU s | utilization | max RSS MiB | GC ms |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  rows=$OUT/rows.tmp
  for fs in $FILESYSTEMS; do
    for label in cp reflink reflink-j1 copytree reflink-one-file; do
      awk -F'\t' -v f="$fs" -v l="$label" '$1 == f && $2 == l && $3 > 0' "$RESULTS" >"$rows"
      case "$label" in
        cp) name="cp -r --reflink=always" ;; reflink) name="reflink cp -r" ;; reflink-j1) name="reflink cp -r -j 1" ;;
        copytree) name="copyTree (in-process)" ;; reflink-one-file) name="reflink cp, one file" ;;
      esac
      echo "| $fs | $name | $(calc %.2f "$(column_median "$rows" 4)") | $(
        [ "$label" = reflink-one-file ] && echo – || calc %.1f "$(column_median "$rows" 4) * 1e6 / $files") | $(
        column_median "$rows" 5 | awk '$1 == "nan" { print "–"; next } { printf "%.2f", $1 }') | $(
        column_median "$rows" 6 | awk '$1 == "nan" { print "–"; next } { printf "%.2f", $1 }') | $(
        calc %.2f "$(column_median "$rows" 7)") | $(utilization_of "$fs" "$label")% | $(
        column_median "$rows" 8 | awk '$1 == "nan" { print "–"; next } { printf "%.0f", $1 / 1024 }') | $(
        column_median "$rows" 11 | sed 's/^nan$/–/') |"
    done
  done
  rm -f "$rows"
  if [ "$STRACE" = 1 ]; then
    echo
    echo "### System calls per file (one run of each under \`strace -f -c\`, all threads)"
    echo
    echo "Calls (errors) per file of the tree, and strace's time per call (inflated by strace itself: compare them"
    echo "with each other only); system calls under 0.01 per file in both are summed as \"other\". futex time is"
    echo "threads waiting, so it is left out of the sum of system-call time."
    for fs in $FILESYSTEMS; do
      rf=$OUT/strace-$fs-reflink.txt cf=$OUT/strace-$fs-cp.txt
      [ -f "$rf" ] && [ -f "$cf" ] || continue
      echo
      echo "$fs:"
      echo
      echo "| system call | reflink cp -r, per file | µs per call | cp -r --reflink=always, per file | µs per call |"
      echo "|---|---:|---:|---:|---:|"
      strace_table "$rf" "$cf" "$files"
    done
  fi
  echo
  if [ -s "$PROBLEMS" ]; then
    echo "**Checks failed** ($(wc -l <"$PROBLEMS")):"
    echo
    sed 's/^/- /' "$PROBLEMS"
  else
    echo "Checked after every tree copy: the target has the source's $(thousands "$ENTRIES") entries (\`find | wc -l\`),"
    echo "and 20 sampled files of more than 2048 bytes are identical (\`cmp\`) and \`shared\` in \`filefrag -v\`; one kept"
    echo "clone of each latency loop, and each one-file copy, is \`shared\` too. All checks passed."
  fi
}

# ---------------------------------------------------------------- main
case "${1:-}" in
  --clean)
    [ "$(id -u)" -eq 0 ] || die "must run as root"
    for fs in $FILESYSTEMS; do rm -rf "$(workdir_of "$fs")"; done
    echo "removed the benchmark trees under $MNT/{${FILESYSTEMS// /,}}" >&2
    ;;
  --report)
    [ -f "${2:-}/meta.env" ] || die "--report DIR: DIR must hold a run's raw figures (meta.env, trees.tsv, ...)"
    OUT=$(cd "$2" && pwd)
    set_paths
    report
    ;;
  "")
    [ "$(id -u)" -eq 0 ] || die "must run as root (src/test-filesystems.sh mounts loop devices)"
    OUT=${OUT:-$root/benchmarks/target/tree-benchmark/$(date +%Y%m%d-%H%M%S)}
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    set_paths
    : >"$RESULTS"; : >"$LATENCY"; : >"$PROBLEMS"; : >"$LOG"
    trap on_exit EXIT
    prepare
    measure
    report | tee "$OUT/table.md"
    say "done; the table is also in $OUT/table.md"
    ;;
  *) die "unknown argument $1 (none, --report DIR or --clean)" ;;
esac

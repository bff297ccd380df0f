#!/usr/bin/env bash
# Reruns every comparison of issue 10 and rewrites the generated tables of BENCHMARKS.md in place
# (between its <!-- bench:NAME --> and <!-- /bench:NAME --> markers; the rest of the file is kept).
#
#   src/benchmarks.sh            # as root; about 13 minutes on 2 cores (more on a busy machine)
#   src/benchmarks.sh --quick    # fewer rounds, smaller files (about 6 minutes): proves the script
#   src/benchmarks.sh --print    # measure, print the sections instead of rewriting BENCHMARKS.md
#   src/benchmarks.sh --only "startup latency"   # some sections only (implies --print)
#   src/benchmarks.sh --report DIR               # the sections again from a run's raw figures
#
# Sections (each ratio comes from one run, the contenders interleaved A B C A B C ... so that
# drift hits all alike; medians with min–max over the rounds):
#   startup  a small file copied by the README's `reflink cp` against a hello-world JVM on the
#            same JDK (17 and 25), GNU cp and the JDK's Files.copy as whole processes; the first
#            run after dropping the page cache reported apart
#   sparse   a 16 GiB sparse file holding 400 MiB: `reflink cp` against GNU cp on ext4, xfs and
#            btrfs (time and allocation), Files.copy of JDK 17 and 25 once for reference (JDK 17's
#            on ext4 only by default: it writes all 16 GiB wherever it runs)
#   dedupe   a ~600 MB tree on xfs: `reflink dedupe -r`, `jdupes -B -r`, `duperemove -dr`, each on
#            a fresh copy; time of a first and a second run, bytes shared (filefrag -v), sha256
#            of every file before and after
#   latency  one clone of a 4 KiB file in-process, warm and cold: Reflink.always per JDK and
#            native binding, the C floor (open + FICLONE + close), the JDK 25's Files.copy
#   heap     Reflink.copy of a 256 MiB and a 4 GiB file under each mode with -Xmx64m: peak heap
#
# What it needs and does: installs jdupes, duperemove, gcc, btrfs-progs, xfsprogs when missing;
# mounts the test file systems (src/test-filesystems.sh; startup and latency run there, in
# directories of their own); creates three larger sparse loop images of its own under
# /var/tmp/reflink4j-bench-PID (sparse, heap and dedupe run there) and removes them at the end;
# builds with `mvn -B -q package -DskipTests`; compiles benchmarks/src/main/c/treebench.c. Raw
# figures and a log go to benchmarks/target/benchmarks-run/DATE. Nothing here asserts a time:
# the tables say which target was met. The Files.copy of JDK 17 fills the holes of the sparse
# file (16 GiB written); it is skipped, with the reason in the table, when the host lacks space.
#
# Environment: JDK17 (default: the JDK of `java`), JDK25 (/usr/lib/jvm/temurin-25-jdk-amd64),
# REFLINK_JDK (the JDK `reflink` runs on outside the start-up section; default JDK17),
# DROP_CACHES (1: drop the page cache before each first run of the start-up section, when
# permitted; 0: never), SPARSE_FILL_EVERYWHERE (0: the JDK 17's Files.copy of the sparse file,
# which writes all 16 GiB, runs on ext4 only; 1: on xfs and btrfs too, about 4 minutes more).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ALL_SECTIONS="startup sparse dedupe latency heap"
SECTIONS=$ALL_SECTIONS
QUICK=0
WRITE=1
REPORT_ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --print) WRITE=0 ;;
    --only) SECTIONS=${2:?--only needs a list of sections}; WRITE=0; shift ;;
    --report) REPORT_ONLY=${2:?--report needs a directory}; WRITE=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "benchmarks.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

JDK17=${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
REFLINK_JDK=${REFLINK_JDK:-$JDK17}
DROP_CACHES=${DROP_CACHES:-1}
SPARSE_FILL_EVERYWHERE=${SPARSE_FILL_EVERYWHERE:-0}
MNT=${REFLINK4J_FS_ROOT:-/var/tmp/reflink4j-fs}/mnt
REFLINK_JAR=$root/cli/target/reflink.jar
REFLINK_LAUNCHER=$root/cli/target/reflink      # the CDS launcher, where the build makes one
BENCH_JAR=$root/benchmarks/target/benchmarks.jar
CLASSES=$root/benchmarks/target/classes
TREEBENCH=$root/benchmarks/target/c/treebench
SHARING_AWK=$root/src/filefrag-sharing.awk
PKG=io.github.reflink4j.benchmarks
NATIVE=--enable-native-access=ALL-UNNAMED
SEED=20261126

if [ "$QUICK" = 1 ]; then
  STARTUP_ROUNDS=4 SPARSE_ROUNDS=3 SPARSE_MIB=4096 SPARSE_DATA_MIB=96 SPARSE_EXTENTS=8
  DEDUPE_ROUNDS=2 DEDUPE_PERCENT=25 LATENCY_ROUNDS=2 CLONES=5000 COLD_ROUNDS=3 HEAP_MIB="256 1024"
else
  STARTUP_ROUNDS=10 SPARSE_ROUNDS=5 SPARSE_MIB=16384 SPARSE_DATA_MIB=400 SPARSE_EXTENTS=16
  DEDUPE_ROUNDS=3 DEDUPE_PERCENT=100 LATENCY_ROUNDS=3 CLONES=20000 COLD_ROUNDS=5 HEAP_MIB="256 4096"
fi
CLONE_WARMUP=1000     # untimed clones before each round's timed ones
JVM_WARMUP=20000      # untimed clones when a latency JVM starts, before any round
COLD_N=500

# ---------------------------------------------------------------- small helpers
die() { echo "benchmarks.sh: $*" >&2; exit 1; }
say() { printf '[%s] %s\n' "$(date -u +%T)" "$*" >&2; }
problem() { printf '%s\t%s\n' "$1" "$2" >>"$PROBLEMS"; say "PROBLEM ($1): $2"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
num() { if [ "$1" = nan ] || [ -z "$1" ]; then echo "–"; else calc %.3f "$1"; fi; }   # a ratio, or – when absent
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }   # two EPOCHREALTIME values
rec() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }            # SECTION FS LABEL ROUND METRIC VALUE
target_row() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$TARGETS"; }  # SECTION WHAT TARGET MEASURED VERDICT
free_bytes() { df --output=avail -B1 "$1" | tail -1 | tr -d ' '; }
jdk_version() { "$1/bin/java" -version 2>&1 | head -1; }
rotate() { # ROUND WORD...: the words rotated by ROUND - 1 places
  local r=$1; shift
  local words=("$@") i
  for i in "${!words[@]}"; do echo "${words[$(( (i + r - 1) % ${#words[@]} ))]}"; done
}

set_paths() {
  RAW=$OUT/raw.tsv; LOG=$OUT/log.txt; PROBLEMS=$OUT/problems.tsv; TARGETS=$OUT/targets.tsv; META=$OUT/meta.env
  ATTR=$OUT/attributes.tsv    # SECTION FS LABEL KEY VALUE: facts that are not numbers (binding used, skip reasons)
}
attr() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ATTR"; }
attr_of() { awk -F'\t' -v s="$1" -v f="$2" -v l="$3" -v k="$4" '$1 == s && $2 == f && $3 == l && $4 == k { v = $5 } END { print v }' "$ATTR"; }

# values of one metric; ROUNDS: warm (round > 0, the default), all, or one round number
vals() {
  awk -F'\t' -v s="$1" -v f="$2" -v l="$3" -v m="$4" -v r="${5:-warm}" \
    '$1 == s && $2 == f && $3 == l && $5 == m && (r == "all" || (r == "warm" && $4 > 0) || r == $4) { print $6 }' "$RAW"
}
summary() { # median|min|max|count: of the numbers on stdin ("nan" when there are none)
  sort -g | awk -v what="$1" '{ v[NR] = $1 }
    END { if (what == "count") { print NR; exit }
          if (NR == 0) { print "nan"; exit }
          if (what == "min") print v[1]; else if (what == "max") print v[NR];
          else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
stat_of() { local what=$1; shift; vals "$@" | summary "$what"; }
# "**median** (min–max)" of a metric scaled by FACTOR and printed with FORMAT; "–" when absent
cell() { # FORMAT FACTOR SECTION FS LABEL METRIC [ROUNDS]
  local format=$1 factor=$2; shift 2
  local values; values=$(vals "$@")
  if [ -z "$values" ]; then echo "–"; return; fi
  local n med lo hi
  n=$(summary count <<<"$values"); med=$(summary median <<<"$values")
  lo=$(summary min <<<"$values"); hi=$(summary max <<<"$values")
  if [ "$n" = 1 ]; then calc "$format" "$med * $factor"; else
    calc "**$format** ($format–$format)" "$med * $factor, $lo * $factor, $hi * $factor"; fi
}
# median(A) / median(B), and the min–max of the per-round ratios A/B (rounds in which both ran)
ratio_of() { # SECTION FS_A LABEL_A FS_B LABEL_B METRIC -> "ratio lo hi"
  local a b
  a=$(stat_of median "$1" "$2" "$3" "$6"); b=$(stat_of median "$1" "$4" "$5" "$6")
  awk -F'\t' -v s="$1" -v fa="$2" -v la="$3" -v fb="$4" -v lb="$5" -v m="$6" -v a="$a" -v b="$b" '
    $1 == s && $5 == m && $4 > 0 && $2 == fa && $3 == la { A[$4] = $6 }
    $1 == s && $5 == m && $4 > 0 && $2 == fb && $3 == lb { B[$4] = $6 }
    END { lo = ""; hi = ""
          for (r in A) if ((r in B) && B[r] > 0) { q = A[r] / B[r]; if (lo == "" || q < lo) lo = q; if (hi == "" || q > hi) hi = q }
          if (a == "nan" || b == "nan" || b == 0) { print "nan nan nan"; exit }
          if (lo == "") { lo = a / b; hi = a / b }
          printf "%.4f %.4f %.4f\n", a / b, lo, hi }' "$RAW"
}
ratio_cell() { # "ratio lo hi" -> "**r** (lo–hi)"
  local r lo hi; read -r r lo hi <<<"$1"
  if [ "$r" = nan ]; then echo "–"; else calc '**%.3f** (%.2f–%.2f)' "$r, $lo, $hi"; fi
}
verdict() { # VALUE OP LIMIT -> met / **missed** / –
  if [ "$1" = nan ] || [ -z "$1" ]; then echo "–"; return; fi
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<=") ? (v <= l) : (v >= l); print ok ? "met" : "**missed**" }'
}
problems_of() { # SECTION: its failed checks as a Markdown list, or nothing
  local lines; lines=$(awk -F'\t' -v s="$1" '$1 == s { print "- " $2 }' "$PROBLEMS")
  if [ -n "$lines" ]; then printf '\n**Checks failed:**\n\n%s\n' "$lines"; fi
}

# ---------------------------------------------------------------- the commands measured
# The README's command, in one place: the CDS launcher when the build made one (told its JDK by
# JAVA_HOME and PATH), else the jar on the JDK's java.
# The launcher keeps its class-data archives in a cache of this run's own, so that its first run
# is a first run; it makes the archive in the background (wait_for_archive waits for that).
reflink_cmd() { # JDK_HOME ARGS...
  local jdk=$1; shift
  if [ -x "$REFLINK_LAUNCHER" ]; then
    mkdir -p -m 700 "$OUT/xdg-cache"
    JAVA_HOME=$jdk PATH="$jdk/bin:$PATH" XDG_CACHE_HOME="$OUT/xdg-cache" "$REFLINK_LAUNCHER" "$@"
  else
    "$jdk/bin/java" -jar "$REFLINK_JAR" "$@"
  fi
}
reflink_cmd_text() {
  if [ -x "$REFLINK_LAUNCHER" ]; then echo "cli/target/reflink (JAVA_HOME=the JDK)"; else echo "java -jar cli/target/reflink.jar"; fi
}
jdk_home() { case "$1" in 17) echo "$JDK17" ;; 25) echo "$JDK25" ;; *) die "no JDK $1" ;; esac; }
wait_for_archive() { # the launcher's background training, started by a first run, is over
  local waited=0
  while [ -e "$OUT/xdg-cache/reflink4j/training.lock" ]; do
    [ "$waited" -lt 600 ] || die "the launcher's training has not ended in 300 s"
    sleep 0.5; waited=$((waited + 1))
  done
}

# Runs COMMAND with its output in the log, records its wall-clock seconds (fork to exit)
timed() { # SECTION FS LABEL ROUND COMMAND...
  local s=$1 f=$2 l=$3 r=$4 t0 t1 status=0
  shift 4
  echo "== $s $f $l round $r: $*" >>"$LOG"
  t0=$EPOCHREALTIME
  "$@" >>"$LOG" 2>&1 </dev/null || status=$?
  t1=$EPOCHREALTIME
  [ "$status" -eq 0 ] || problem "$s" "$f $l round $r: exit status $status (see the log)"
  rec "$s" "$f" "$l" "$r" seconds "$(secs "$t0" "$t1")"
  LAST_STATUS=$status
}

drop_caches() { # whether the page cache could be dropped
  [ "$DROP_CACHES" = 1 ] || return 1
  sync
  { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null
}

# ---------------------------------------------------------------- set-up and tear-down
BIG=/var/tmp/reflink4j-bench-$$       # our own loop images

prepare() {
  local need=() fs
  command -v jdupes >/dev/null || need+=(jdupes)
  command -v duperemove >/dev/null || need+=(duperemove)
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  command -v mkfs.btrfs >/dev/null || need+=(btrfs-progs)
  command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
  command -v filefrag >/dev/null || need+=(e2fsprogs)
  command -v sha256sum >/dev/null || need+=(coreutils)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$LOG" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >>"$LOG" 2>&1
  fi
  [ -x "$JDK17/bin/java" ] || die "no JDK 17 at $JDK17 (set JDK17)"
  [ -x "$JDK25/bin/java" ] || die "no JDK 25 at $JDK25 (set JDK25)"
  eval "$("$root/src/test-filesystems.sh" --export 2>>"$LOG")" || die "src/test-filesystems.sh failed (see $LOG)"
  for fs in xfs btrfs; do
    [ "$(findmnt -n -o FSTYPE --target "$MNT/$fs")" = "$fs" ] || die "$MNT/$fs is not a $fs mount"
  done
  say "building (mvn -B -q package -DskipTests)"
  (cd "$root" && mvn -B -q package -DskipTests) >>"$LOG" 2>&1 || die "the build failed (see $LOG)"
  [ -f "$REFLINK_JAR" ] && [ -f "$BENCH_JAR" ] && [ -f "$CLASSES/io/github/reflink4j/benchmarks/Hello.class" ] \
    || die "the build made no $REFLINK_JAR or $BENCH_JAR"
  mkdir -p "$(dirname "$TREEBENCH")"
  gcc -O2 -Wall -Wextra -o "$TREEBENCH" "$root/benchmarks/src/main/c/treebench.c" 2>>"$LOG" || die "gcc failed"
}

shared_dir() { # FS: a directory of our own on a shared test file system (cleanup removes it)
  local d="$MNT/$1/reflink4j-bench-$$"
  mkdir -p "$d"
  echo "$d"
}

big_image() { # FS SIZE: mount a sparse loop image of our own at $BIG/mnt/FS
  local fs=$1 size=$2 img=$BIG/$1.img mnt=$BIG/mnt/$1
  mountpoint -q "$mnt" && return 0
  mkdir -p "$mnt"
  truncate -s "$size" "$img"
  case "$fs" in
    ext4) mkfs.ext4 -q -F "$img" >>"$LOG" 2>&1; mount -o loop,discard,noinit_itable "$img" "$mnt" ;;
    xfs) mkfs.xfs -q -f -m reflink=1 "$img" >>"$LOG" 2>&1; mount -o loop,discard "$img" "$mnt" ;;
    btrfs) mkfs.btrfs -q -f "$img" >>"$LOG" 2>&1; mount -o loop,discard "$img" "$mnt" ;;
  esac
  echo "$fs $img $mnt" >>"$OUT/images.txt"
}

trim() { fstrim "$1" >/dev/null 2>&1 || true; }   # hand freed blocks back to the host disk

cleanup() {
  local pid d fs
  for pid in "${SRV_PID[@]}"; do kill "$pid" 2>/dev/null || true; done   # latency JVMs still running
  for d in "$MNT"/*/"reflink4j-bench-$$"; do [ ! -d "$d" ] || rm -rf "$d"; done
  for fs in ext4 xfs btrfs; do
    if mountpoint -q "$BIG/mnt/$fs" 2>/dev/null; then
      umount "$BIG/mnt/$fs" 2>/dev/null || { sleep 2; umount "$BIG/mnt/$fs" 2>/dev/null; } || umount -l "$BIG/mnt/$fs" || true
    fi
  done
  rm -rf "$BIG"
}

# ================================================================ 1. start-up
STARTUP_LABELS=(reflink-17 hello-17 reflink-25 hello-25 cp filescopy-17 filescopy-25)

startup_run() { # LABEL ROUND DIR
  local label=$1 round=$2 d=$3 jdk
  case "$label" in
    reflink-*) jdk=$(jdk_home "${label#reflink-}")
               timed startup xfs "$label" "$round" reflink_cmd "$jdk" cp "$d/one-4k" "$d/dst"
               cmp -s "$d/one-4k" "$d/dst" || problem startup "$label round $round: the copy differs from the source" ;;
    hello-*) jdk=$(jdk_home "${label#hello-}")
             timed startup xfs "$label" "$round" "$jdk/bin/java" -cp "$CLASSES" "$PKG.Hello" ;;
    cp) timed startup xfs cp "$round" cp --reflink=auto "$d/one-4k" "$d/dst"
        cmp -s "$d/one-4k" "$d/dst" || problem startup "cp round $round: the copy differs" ;;
    filescopy-*) jdk=$(jdk_home "${label#filescopy-}")
                 timed startup xfs "$label" "$round" "$jdk/bin/java" -cp "$CLASSES" "$PKG.FilesCopy" "$d/one-4k" "$d/dst"
                 cmp -s "$d/one-4k" "$d/dst" || problem startup "$label round $round: the copy differs" ;;
  esac
  rm -f "$d/dst"
}

measure_startup() {
  local d label round cold=0
  d=$(shared_dir xfs)/startup
  mkdir -p "$d"
  head -c 4096 /dev/urandom >"$d/one-4k"
  say "startup: first runs (page cache dropped before each when permitted)"
  for label in reflink-17 hello-17 reflink-25 hello-25; do
    if drop_caches; then cold=1; fi
    startup_run "$label" 0 "$d"
    wait_for_archive
  done
  attr startup xfs all cache_dropped "$cold"
  for label in "${STARTUP_LABELS[@]}"; do startup_run "$label" -1 "$d"; done   # one untimed pass
  say "startup: $STARTUP_ROUNDS rounds of ${#STARTUP_LABELS[@]}"
  for round in $(seq 1 "$STARTUP_ROUNDS"); do
    for label in $(rotate "$round" "${STARTUP_LABELS[@]}"); do startup_run "$label" "$round" "$d"; done
  done
}

report_startup() {
  local jdk r lo hi target cold
  cold=$(attr_of startup xfs all cache_dropped)
  echo "Whole processes, fork to exit, copying one 4 KiB file on xfs (a clone) into a new target. \`reflink cp\` is"
  echo "\`$(attr_of startup xfs all command)\`; hello world is \`java -cp benchmarks/target/classes …Hello\` on the same JDK."
  echo "$STARTUP_ROUNDS rounds of all contenders, interleaved, after one untimed pass. Seconds, **median** (min–max);"
  echo "ratios median over median (min–max of the rounds' own ratios)."
  echo
  echo "| JDK | reflink cp, warm | hello world, warm | reflink cp / hello world | target | | reflink cp, first run | hello world, first run |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|"
  for jdk in 25 17; do
    [ "$jdk" = 25 ] && target=3 || target=5
    read -r r lo hi <<<"$(ratio_of startup xfs "reflink-$jdk" xfs "hello-$jdk" seconds)"
    echo "| $jdk | $(cell %.3f 1 startup xfs "reflink-$jdk" seconds) | $(cell %.3f 1 startup xfs "hello-$jdk" seconds) | $(ratio_cell "$r $lo $hi") | ≤ $target | $(verdict "$r" '<=' "$target") | $(cell %.3f 1 startup xfs "reflink-$jdk" seconds 0) | $(cell %.3f 1 startup xfs "hello-$jdk" seconds 0) |"
    target_row startup "JDK $jdk: reflink cp of a small file / hello world" "≤ $target" "$(num "$r")" "$(verdict "$r" '<=' "$target")"
  done
  echo
  echo "For reference, in the same rounds: GNU \`cp --reflink=auto\` $(cell %.4f 1 startup xfs cp seconds) s;"
  echo "the JDK's \`Files.copy\` in a main of its own: JDK 17 $(cell %.3f 1 startup xfs filescopy-17 seconds) s,"
  echo "JDK 25 $(cell %.3f 1 startup xfs filescopy-25 seconds) s."
  echo
  if [ "$cold" = 1 ]; then
    echo "First run: the page cache was dropped (\`echo 3 > /proc/sys/vm/drop_caches\`) before each, so the JDK's and"
    echo "the command's files are read from disk."
  else
    echo "First run: the first of this script's runs; the page cache could not be dropped (or DROP_CACHES=0), so it may"
    echo "be warm from earlier use."
  fi
  problems_of startup
}

# ================================================================ 2. a large sparse file
sparse_run() { # FS LABEL ROUND DIR
  local fs=$1 label=$2 round=$3 d=$4 blocks out
  case "$label" in
    reflink) timed sparse "$fs" reflink "$round" reflink_cmd "$REFLINK_JDK" cp "$d/src" "$d/dst" ;;
    cp) timed sparse "$fs" cp "$round" cp "$d/src" "$d/dst" ;;
    filescopy-*) timed sparse "$fs" "$label" "$round" "$(jdk_home "${label#filescopy-}")/bin/java" -cp "$CLASSES" \
                   "$PKG.FilesCopy" "$d/src" "$d/dst" ;;
  esac
  sync -f "$d"
  if [ -e "$d/dst" ]; then
    blocks=$(stat -c '%b %B' "$d/dst" | awk '{ printf "%.0f", $1 * $2 }')
    rec sparse "$fs" "$label" "$round" allocated "$blocks"
    out=$("$TREEBENCH" samecontent "$d/src" "$d/dst" 2>&1) || problem sparse "$fs $label round $round: the copy differs: $out"
  else
    problem sparse "$fs $label round $round: no copy made"
  fi
  rm -f "$d/dst"
  sync -f "$d"
  trim "$d"
}

measure_sparse() {
  local fs d round label need fill_ok
  need=$(( (SPARSE_MIB + 3072) * 1048576 ))
  for fs in ext4 xfs btrfs; do
    d=$BIG/mnt/$fs/sparse
    mkdir -p "$d"
    say "sparse: $fs, making a $SPARSE_MIB MiB file of $SPARSE_DATA_MIB MiB data"
    "$TREEBENCH" mksparse "$d/src" "$SPARSE_MIB" "$SPARSE_DATA_MIB" "$SPARSE_EXTENTS" "$SEED" >>"$LOG" 2>&1 \
      || die "treebench mksparse failed (see $LOG)"
    sync -f "$d"
    rec sparse "$fs" source 0 allocated "$(stat -c '%b %B' "$d/src" | awk '{ printf "%.0f", $1 * $2 }')"
    rec sparse "$fs" source 0 extents "$(filefrag "$d/src" | awk '{ print $(NF - 2) }')"
    sparse_run "$fs" reflink -1 "$d"   # untimed: the file's blocks and the JDK into the page cache
    sparse_run "$fs" cp -1 "$d"
    for round in $(seq 1 "$SPARSE_ROUNDS"); do
      for label in $(rotate "$round" reflink cp); do sparse_run "$fs" "$label" "$round" "$d"; done
    done
    # Files.copy, for reference, once each: it may fill every hole (write the whole file)
    for label in filescopy-17 filescopy-25; do
      if [ "$label" = filescopy-17 ] && [ "$fs" != ext4 ] && [ "$SPARSE_FILL_EVERYWHERE" != 1 ]; then
        attr sparse "$fs" "$label" skipped "not run: JDK 17's Files.copy writes every hole whatever the file system (all 16 GiB on xfs and btrfs too, run of 2026-11-26); SPARSE_FILL_EVERYWHERE=1 runs it"
        continue
      fi
      fill_ok=1
      [ "$(free_bytes "$BIG")" -ge "$need" ] || fill_ok=0
      [ "$(free_bytes "$d")" -ge $(( SPARSE_MIB * 1048576 )) ] || fill_ok=0
      if [ "$fill_ok" = 1 ]; then
        say "sparse: $fs $label (may write $SPARSE_MIB MiB)"
        sparse_run "$fs" "$label" 1 "$d"
      else
        attr sparse "$fs" "$label" skipped "skipped: it may fill the holes, which needs $(( SPARSE_MIB / 1024 + 3 )) GiB free on the host disk and $(( SPARSE_MIB / 1024 )) GiB in the image; $(calc %.1f "$(free_bytes "$BIG") / 1073741824") GiB free"
      fi
    done
    rm -f "$d/src"
    sync -f "$d"
    trim "$d"
  done
}

mib() { if [ "$1" = nan ] || [ -z "$1" ]; then echo "–"; else calc %.1f "$1 / 1048576"; fi; }

report_sparse() {
  local fs r lo hi ra ca diff reason label line fc
  echo "A sparse file of $(( SPARSE_MIB / 1024 )) GiB holding $SPARSE_DATA_MIB MiB of random data in $SPARSE_EXTENTS runs spread"
  echo "evenly through it (\`treebench mksparse\`), copied under AUTO into a new target, whole processes: \`reflink cp\`"
  echo "(\`$REFLINK_COMMAND\` on JDK $REFLINK_JDK_VERSION) against GNU \`cp\` (its default: --reflink=auto --sparse=auto). On"
  echo "ext4 neither can clone (a real copy keeping the holes); on xfs and btrfs both clone. Loop images of our own"
  echo "(sparse, mounted with discard). $SPARSE_ROUNDS rounds, interleaved, after one untimed copy of each. Seconds,"
  echo "**median** (min–max); allocation = st_blocks × 512 of the target after \`sync\` (the source: its data)."
  echo
  echo "| file system | reflink cp | GNU cp | reflink / cp | ≤ 2 | allocated, reflink | allocated, cp | difference | ≤ 1 MiB |"
  echo "|---|---:|---:|---:|---|---:|---:|---:|---|"
  for fs in ext4 xfs btrfs; do
    read -r r lo hi <<<"$(ratio_of sparse "$fs" reflink "$fs" cp seconds)"
    ra=$(stat_of max sparse "$fs" reflink allocated); ca=$(stat_of max sparse "$fs" cp allocated)
    diff=$(awk -v a="$ra" -v b="$ca" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else { d = a - b; print d < 0 ? -d : d } }')
    echo "| $fs | $(cell %.3f 1 sparse "$fs" reflink seconds) | $(cell %.3f 1 sparse "$fs" cp seconds) | $(ratio_cell "$r $lo $hi") | $(verdict "$r" '<=' 2) | $(mib "$ra") MiB | $(mib "$ca") MiB | $(mib "$diff") MiB | $(verdict "$diff" '<=' 1048576) |"
    target_row sparse "$fs: sparse file, reflink cp / cp time" "≤ 2" "$(num "$r")" "$(verdict "$r" '<=' 2)"
    target_row sparse "$fs: sparse file, allocation reflink − cp" "≤ 1 MiB" "$(mib "$diff") MiB" "$(verdict "$diff" '<=' 1048576)"
  done
  echo
  echo "The JDK's \`Files.copy\` in a main of its own, once per file system, for reference (no target):"
  echo
  echo "| file system | source allocated | JDK 17 Files.copy | allocated | JDK 25 Files.copy | allocated |"
  echo "|---|---:|---:|---:|---:|---:|"
  for fs in ext4 xfs btrfs; do
    line="| $fs | $(mib "$(stat_of max sparse "$fs" source allocated all)") MiB |"
    for label in filescopy-17 filescopy-25; do
      reason=$(attr_of sparse "$fs" "$label" skipped)
      if [ -n "$reason" ]; then line+=" $reason | – |"; else
        fc=$(stat_of max sparse "$fs" "$label" allocated)
        line+=" $(cell %.2f 1 sparse "$fs" "$label" seconds 1) s | $(mib "$fc") MiB |"
      fi
    done
    echo "$line"
  done
  problems_of sparse
}

# ================================================================ 3. dedupe
# Sums the sharing of every non-empty file under DIR as filefrag -v reports it; prints
# "files=… extents=… allocated_bytes=… shared_bytes=… block_size=… used_bytes=…", where used is the
# physical blocks in use (every shared block counted once). Dies when the output cannot be parsed.
sharing_of() { # DIR
  local dir=$1 physical=$OUT/physical.tmp files summary used bs
  files=$(find "$dir" -type f -size +0 | wc -l)
  : >"$physical"
  summary=$(find "$dir" -type f -size +0 -print0 | sort -z | xargs -0 -r filefrag -v 2>>"$LOG" |
            awk -v physical="$physical" -f "$SHARING_AWK") || die "filefrag -v output under $dir could not be parsed (see above)"
  [ "$(field files "$summary")" = "$files" ] || die "filefrag -v reported $(field files "$summary") files under $dir, find $files"
  bs=$(field block_size "$summary")
  used=$(sort -n -k1,1 -k2,2 "$physical" | awk -v bs="$bs" '
    NR == 1 { s = $1; e = $2; next }
    $1 <= e + 1 { if ($2 > e) e = $2; next }
    { total += e - s + 1; s = $1; e = $2 }
    END { if (NR > 0) total += e - s + 1; printf "%.0f", total * bs }')
  rm -f "$physical"
  echo "$summary used_bytes=$used"
}

checksums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

dedupe_tool() { # TOOL DIR
  case "$1" in
    reflink) reflink_cmd "$REFLINK_JDK" dedupe -r "$2" ;;
    jdupes) jdupes -B -r "$2" ;;
    duperemove) duperemove -dr "$2" ;;
  esac
}

dedupe_check() { # TOOL ROUND RUN(first|second) DIR
  local tool=$1 round=$2 run=$3 dir=$4 s changed
  sync -f "$dir"
  s=$(sharing_of "$dir")
  echo "== dedupe $tool round $round $run: $s" >>"$LOG"
  rec dedupe xfs "$tool-$run" "$round" shared "$(field shared_bytes "$s")"
  rec dedupe xfs "$tool-$run" "$round" used "$(field used_bytes "$s")"
  changed=$(checksums "$dir" | { diff - "$OUT/dedupe-master.sha256" || true; } | sed -n 's/^[<>] [0-9a-f]\{64\}  //p' | sort -u | wc -l)
  rec dedupe xfs "$tool-$run" "$round" changed_files "$changed"
  [ "$changed" = 0 ] || problem dedupe "$tool round $round, $run run: $changed files differ from the original (sha256), or are missing or new"
}

measure_dedupe() {
  local d master work round tool s
  d=$BIG/mnt/xfs/dedupe
  master=$d/master work=$d/work
  mkdir -p "$d"
  say "dedupe: making the tree ($DEDUPE_PERCENT%)"
  "$TREEBENCH" mkdupes "$master" "$SEED" "$DEDUPE_PERCENT" >"$OUT/dedupe-tree.txt" 2>>"$LOG" || die "treebench mkdupes failed"
  checksums "$master" >"$OUT/dedupe-master.sha256"
  sync -f "$d"
  s=$(sharing_of "$master")
  rec dedupe xfs master 0 shared "$(field shared_bytes "$s")"
  rec dedupe xfs master 0 used "$(field used_bytes "$s")"
  rec dedupe xfs master 0 allocated "$(field allocated_bytes "$s")"
  for round in $(seq 1 "$DEDUPE_ROUNDS"); do
    for tool in $(rotate "$round" reflink jdupes duperemove); do
      rm -rf "$work"
      cp -a --reflink=never "$master" "$work"
      sync -f "$d"
      s=$(sharing_of "$work")
      [ "$(field shared_bytes "$s")" = 0 ] || problem dedupe "round $round: the fresh copy for $tool already shares $(field shared_bytes "$s") bytes"
      say "dedupe: round $round, $tool"
      timed dedupe xfs "$tool-first" "$round" dedupe_tool "$tool" "$work"
      dedupe_check "$tool" "$round" first "$work"
      timed dedupe xfs "$tool-second" "$round" dedupe_tool "$tool" "$work"
      dedupe_check "$tool" "$round" second "$work"
      rm -rf "$work"
      sync -f "$d"
      trim "$d"
    done
  done
  rm -rf "$master"
  trim "$d"
}

report_dedupe() {
  local tool fastest fr fl fh r lo hi rs ms second others_shared
  echo "The tree (\`treebench mkdupes\`, the same every run): $(sed 's/=/ /g' "$OUT/dedupe-tree.txt" |
    awk '{ printf "%d files, %.0f MB; %d of them (%.0f MB) have an identical twin", $2, $4 / 1e6, $6, $8 / 1e6 }'): groups of 2 to 4"
  echo "identical files of 0.5 to 6 MiB, near-duplicates (same size, one byte differs), identical and unique small"
  echo "files of up to 16 KiB, 8 empty files. Each tool ran on a fresh copy (\`cp -a --reflink=never\`, so nothing"
  echo "shared before) on xfs (reflink=1, a loop image of our own), then again on the same tree; whole processes,"
  echo "$DEDUPE_ROUNDS rounds, the tools interleaved. Shared: the bytes of extents \`filefrag -v\` flags \`shared\`, summed"
  echo "over the files; in use: the physical blocks under all files, each once (the tree's own: $(mib "$(stat_of max dedupe xfs master used all)") MiB). Seconds, **median** (min–max)."
  echo
  echo "| tool | first run | second run | second / first | shared after | in use after | files changed |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for tool in reflink jdupes duperemove; do
    read -r r lo hi <<<"$(ratio_of dedupe xfs "$tool-second" xfs "$tool-first" seconds)"
    echo "| $(case $tool in reflink) echo "reflink dedupe -r" ;; jdupes) echo "jdupes -B -r" ;; duperemove) echo "duperemove -dr" ;; esac) | $(cell %.3f 1 dedupe xfs "$tool-first" seconds) | $(cell %.3f 1 dedupe xfs "$tool-second" seconds) | $(ratio_cell "$r $lo $hi") | $(mib "$(stat_of median dedupe xfs "$tool-first" shared)") MiB | $(mib "$(stat_of median dedupe xfs "$tool-first" used)") MiB | $(
      awk -v a="$(stat_of max dedupe xfs "$tool-first" changed_files)" -v b="$(stat_of max dedupe xfs "$tool-second" changed_files)" 'BEGIN { print (a > b ? a : b) }') |"
  done
  fastest=jdupes
  [ "$(awk -v a="$(stat_of median dedupe xfs duperemove-first seconds)" -v b="$(stat_of median dedupe xfs jdupes-first seconds)" 'BEGIN { print (a < b) }')" = 1 ] && fastest=duperemove
  read -r fr fl fh <<<"$(ratio_of dedupe xfs reflink-first xfs "$fastest-first" seconds)"
  read -r rs lo hi <<<"$(ratio_of dedupe xfs reflink-second xfs reflink-first seconds)"
  ms=$(stat_of median dedupe xfs reflink-first shared)
  others_shared=$(for tool in jdupes duperemove; do stat_of median dedupe xfs "$tool-first" shared; done | summary max)
  second=$(for tool in reflink jdupes duperemove; do stat_of max dedupe xfs "$tool-first" changed_files; stat_of max dedupe xfs "$tool-second" changed_files; done | summary max)
  echo
  echo "| target | measured | |"
  echo "|---|---:|---|"
  echo "| first run ≤ 1.0 × the faster of jdupes and duperemove ($fastest) | $(ratio_cell "$fr $fl $fh") | $(verdict "$fr" '<=' 1.0) |"
  echo "| bytes shared ≥ the others' (most: $(mib "$others_shared") MiB) | $(mib "$ms") MiB | $(verdict "$(awk -v a="$ms" -v b="$others_shared" 'BEGIN { print (a == "nan" || b == "nan") ? "nan" : a - b }')" '>=' 0) |"
  echo "| no byte changed (sha256 of every file, after each run of every tool) | $second files | $(verdict "$second" '<=' 0) |"
  echo "| second run ≤ 0.3 × the first | $(ratio_cell "$rs $lo $hi") | $(verdict "$rs" '<=' 0.3) |"
  target_row dedupe "reflink dedupe -r / the faster of jdupes, duperemove ($fastest)" "≤ 1.0" "$(num "$fr")" "$(verdict "$fr" '<=' 1.0)"
  target_row dedupe "bytes shared, reflink against the most of the others" "≥ $(mib "$others_shared") MiB" "$(mib "$ms") MiB" \
    "$(verdict "$(awk -v a="$ms" -v b="$others_shared" 'BEGIN { print (a == "nan" || b == "nan") ? "nan" : a - b }')" '>=' 0)"
  target_row dedupe "no byte changed by any tool" "0" "$second" "$(verdict "$second" '<=' 0)"
  target_row dedupe "reflink dedupe -r, second run / first" "≤ 0.3" "$(num "$rs")" "$(verdict "$rs" '<=' 0.3)"
  problems_of dedupe
}

# ================================================================ 4. clone latency
# The latency JVMs: NAME JDK BINDING COMMAND (clone: Reflink.always, filescopy: Files.copy)
LATENCY_JVMS=("java17-jnr 17 jnr clone" "java25-jnr 25 jnr clone" "java25-foreign 25 foreign clone" "files25 25 - filescopy")
declare -A SRV_IN SRV_OUT SRV_PID SRV_CMD

start_server() { # NAME JDK BINDING COMMAND
  local name=$1 jdk binding=$3 in=$OUT/$1.in out=$OUT/$1.out props=() fd
  jdk=$(jdk_home "$2")
  [ "$binding" = - ] || props=("-Dreflink4j.binding=$binding")
  rm -f "$in" "$out"
  mkfifo "$in" "$out"
  "$jdk/bin/java" "$NATIVE" "${props[@]}" -cp "$BENCH_JAR" "$PKG.CloneLatency" <"$in" >"$out" 2>>"$LOG" &
  SRV_PID[$name]=$!
  exec {fd}>"$in"
  SRV_IN[$name]=$fd
  exec {fd}<"$out"
  SRV_OUT[$name]=$fd
  SRV_CMD[$name]=$4
}

ask() { # NAME LINE...: the server's answer, which must start with "ok"
  local name=$1 answer; shift
  echo "$*" >&"${SRV_IN[$name]}"
  read -r -t 900 -u "${SRV_OUT[$name]}" answer || die "the latency JVM $name did not answer (see $LOG)"
  case "$answer" in ok*) echo "$answer" ;; *) die "the latency JVM $name answered: $answer" ;; esac
}

stop_servers() {
  local name fd
  for name in "${!SRV_PID[@]}"; do
    echo quit >&"${SRV_IN[$name]}" 2>/dev/null || true
    wait "${SRV_PID[$name]}" 2>/dev/null || true
    fd=${SRV_IN[$name]}; exec {fd}>&-
    fd=${SRV_OUT[$name]}; exec {fd}<&-
    rm -f "$OUT/$name.in" "$OUT/$name.out"
  done
  SRV_PID=(); SRV_IN=(); SRV_OUT=(); SRV_CMD=()
}

latency_record() { # FS LABEL ROUND ANSWER
  local key
  echo "== latency $1 $2 round $3: $4" >>"$LOG"
  for key in median_ns mean_ns p90_ns first_ns median_1_100_ns median_101_n_ns; do
    [ -z "$(field "$key" "$4")" ] || rec latency "$1" "$2" "$3" "$key" "$(field "$key" "$4")"
  done
}

kept_is_shared() { # FS LABEL DIR
  local kept
  kept=$(find "$3" -type f | head -1)
  [ -n "$kept" ] && filefrag -v "$kept" 2>/dev/null | grep -q shared || problem latency "$1 $2: the kept copy is not shared (filefrag -v)"
}

measure_latency() {
  local fs base src dir spec name jdk binding command round label keep answer props
  for fs in xfs btrfs; do
    base=$(shared_dir "$fs")/latency
    src=$base/one-4k dir=$base/targets
    mkdir -p "$dir"
    head -c 4096 /dev/urandom >"$src"
    sync -f "$base"
    say "latency: $fs, warm: starting ${#LATENCY_JVMS[@]} JVMs, $JVM_WARMUP untimed copies each"
    for spec in "${LATENCY_JVMS[@]}"; do
      read -r name jdk binding command <<<"$spec"
      start_server "$name" "$jdk" "$binding" "$command"
      answer=$(ask "$name" binding)
      attr latency "$fs" "$name" binding "$(field binding "$answer")"
      ask "$name" "$command" "$src" "$dir" 1 "$JVM_WARMUP" >>"$LOG"
      rm -rf "$dir"; mkdir -p "$dir"; sync -f "$base"
    done
    for round in $(seq 1 "$LATENCY_ROUNDS"); do
      for label in $(rotate "$round" c java17-jnr java25-jnr java25-foreign files25); do
        keep=; [ "$round" = 1 ] && keep=keep
        if [ "$label" = c ]; then
          answer=$("$TREEBENCH" clone "$src" "$dir" "$CLONES" "$CLONE_WARMUP" $keep 2>>"$LOG") || die "treebench clone failed (see $LOG)"
        else
          answer=$(ask "$label" "${SRV_CMD[$label]}" "$src" "$dir" "$CLONES" "$CLONE_WARMUP" $keep)
        fi
        latency_record "$fs" "$label" "$round" "$answer"
        say "latency: $fs $label round $round: $(calc '%.1f µs' "$(field median_ns "$answer") / 1e3")"
        [ -z "$keep" ] || [ "$label" = files25 ] || kept_is_shared "$fs" "$label" "$dir"
        rm -rf "$dir"; mkdir -p "$dir"; sync -f "$base"
      done
    done
    stop_servers
    say "latency: $fs, cold: $COLD_ROUNDS fresh processes of each"
    for round in $(seq 1 "$COLD_ROUNDS"); do
      for label in $(rotate "$round" c java17-jnr java25-jnr java25-foreign files25); do
        if [ "$label" = c ]; then
          answer=$("$TREEBENCH" cold "$src" "$dir" "$COLD_N" 2>>"$LOG") || die "treebench cold failed (see $LOG)"
        else
          for spec in "${LATENCY_JVMS[@]}"; do
            read -r name jdk binding command <<<"$spec"
            [ "$name" = "$label" ] && break
          done
          props=(); [ "$binding" = - ] || props=("-Dreflink4j.binding=$binding")
          answer=$("$(jdk_home "$jdk")/bin/java" "$NATIVE" "${props[@]}" -cp "$BENCH_JAR" "$PKG.CloneLatency" \
                   cold "$command" "$src" "$dir" "$COLD_N" 2>>"$LOG") || die "CloneLatency cold failed (see $LOG)"
          case "$answer" in ok*) ;; *) die "CloneLatency cold answered: $answer" ;; esac
          [ "$binding" = - ] || attr latency "$fs" "$label" cold_binding "$(field binding "$answer")"
        fi
        latency_record "$fs" "$label-cold" "$round" "$answer"
        rm -rf "$dir"; mkdir -p "$dir"
      done
    done
  done
}

report_latency() {
  local fs label name binding r lo hi used target_text
  echo "One copy of a 4 KiB file into a new target, in-process. C floor: open + open(O_CREAT|O_EXCL) + ioctl(FICLONE) +"
  echo "close + close (\`treebench clone\`). Java: \`Reflink.always(a, b)\` (\`CloneLatency\`) with"
  echo "\`-Dreflink4j.binding=…\`; the binding column is the one that actually loaded (\`Reflink.nativeBinding()\`). Files.copy:"
  echo "the JDK 25's, which clones through copy_file_range. Warm: each JVM first makes $JVM_WARMUP untimed copies; each"
  echo "round then $CLONE_WARMUP untimed and $CLONES timed alone (System.nanoTime / CLOCK_MONOTONIC), targets unlinked"
  echo "after; $LATENCY_ROUNDS rounds, interleaved; µs, **median over the rounds of each round's median** (min–max);
ratios to three places, the verdict on the unrounded ratio."
  echo "Cold: a fresh process, its first $COLD_N copies each timed ($COLD_ROUNDS processes of each, interleaved): the first"
  echo "call, the median of calls 1–100 and of calls 101–$COLD_N, medians over the processes."
  echo
  echo "| file system | contender | binding | warm | warm / C | ≤ 1.3 | cold: call 1, ms | calls 1–100 | calls 101–$COLD_N |"
  echo "|---|---|---|---:|---:|---|---:|---:|---:|"
  for fs in xfs btrfs; do
    for label in c java17-jnr java25-jnr java25-foreign files25; do
      case "$label" in
        c) name="C floor"; binding="–" ;;
        files25) name="JDK 25 Files.copy"; binding="–" ;;
        java17-jnr) name="JDK 17 Reflink.always"; binding="asked jnr: $(attr_of latency "$fs" "$label" binding)" ;;
        java25-jnr) name="JDK 25 Reflink.always"; binding="asked jnr: $(attr_of latency "$fs" "$label" binding)" ;;
        java25-foreign) name="JDK 25 Reflink.always"; binding="asked foreign: $(attr_of latency "$fs" "$label" binding)" ;;
      esac
      if [ "$label" = c ]; then
        r=nan; target_text="| – | |"
      else
        read -r r lo hi <<<"$(ratio_of latency "$fs" "$label" "$fs" c median_ns)"
        if [ "$label" = files25 ]; then target_text="| $(ratio_cell "$r $lo $hi") | (reference) |"; else
          target_text="| $(ratio_cell "$r $lo $hi") | $(verdict "$r" '<=' 1.3) |"
          target_row latency "$fs: warm $name ($binding) / C floor" "≤ 1.3" "$(num "$r")" "$(verdict "$r" '<=' 1.3)"
        fi
      fi
      echo "| $fs | $name | $binding | $(cell %.1f 0.001 latency "$fs" "$label" median_ns) $target_text $(
        cell %.2f 0.000001 latency "$fs" "$label-cold" first_ns) | $(cell %.1f 0.001 latency "$fs" "$label-cold" median_1_100_ns) | $(
        cell %.1f 0.001 latency "$fs" "$label-cold" median_101_n_ns) |"
    done
  done
  echo
  echo "Means and p90 of the warm rounds are in the raw figures (\`latency\` rows of raw.tsv)."
  problems_of latency
}

# ================================================================ 5. heap with -Xmx64m
measure_heap() {
  local fs d size mode modes answer out
  for fs in xfs btrfs ext4; do
    d=$BIG/mnt/$fs/heap
    mkdir -p "$d"
    case "$fs" in ext4) modes="AUTO NEVER" ;; *) modes="ALWAYS AUTO" ;; esac
    for size in $HEAP_MIB; do
      say "heap: $fs, a $size MiB file"
      "$TREEBENCH" mkdata "$d/src" "$size" "$SEED" 2>>"$LOG" || die "treebench mkdata failed"
      sync -f "$d"
      for mode in $modes; do
        echo "== heap $fs $mode $size MiB" >>"$LOG"
        answer=$("$(jdk_home 17)/bin/java" -Xmx64m "$NATIVE" -cp "$BENCH_JAR" "$PKG.HeapUse" "$mode" "$d/src" "$d/dst" 2>>"$LOG") \
          || { problem heap "$fs $mode $size MiB: the JVM failed (see the log)"; answer=; }
        echo "$answer" >>"$LOG"
        if [ -n "$answer" ]; then
          rec heap "$fs" "$mode-$size" 1 peak_heap_bytes "$(field peak_heap_bytes "$answer")"
          rec heap "$fs" "$mode-$size" 1 seconds "$(calc %.6f "$(field elapsed_ns "$answer") / 1e9")"
          rec heap "$fs" "$mode-$size" 1 gc_count "$(field gc_count "$answer")"
          attr heap "$fs" "$mode-$size" method "$(field method "$answer")"
          out=$(cmp "$d/src" "$d/dst" 2>&1) || problem heap "$fs $mode $size MiB: the copy differs: $out"
        fi
        rm -f "$d/dst"
        sync -f "$d"
        trim "$d"
      done
      rm -f "$d/src"
      sync -f "$d"
      trim "$d"
    done
  done
}

report_heap() {
  local fs mode modes small large s l g verdict_text
  read -r small large <<<"$HEAP_MIB"
  echo "\`Reflink.copy(source, target, MODE)\` of a file of random data in a fresh JDK 17 JVM started with \`-Xmx64m\`"
  echo "(\`HeapUse\`), once per size: the heap pools' peak use during the copy (their peaks summed, reset just before"
  echo "it, after a \`System.gc()\`), and the copy's time. Flat: the $large MiB copy's peak at most 2 MiB or 25% above the"
  echo "$small MiB copy's. Loop images of our own."
  echo
  echo "| file system | mode | method | peak heap, $small MiB | peak heap, $large MiB | GCs ($large MiB) | time, $large MiB | flat |"
  echo "|---|---|---|---:|---:|---:|---:|---|"
  for fs in xfs btrfs ext4; do
    case "$fs" in ext4) modes="AUTO NEVER" ;; *) modes="ALWAYS AUTO" ;; esac
    for mode in $modes; do
      s=$(stat_of max heap "$fs" "$mode-$small" peak_heap_bytes)
      l=$(stat_of max heap "$fs" "$mode-$large" peak_heap_bytes)
      g=$(awk -v s="$s" -v l="$l" 'BEGIN { if (s == "nan" || l == "nan") print "nan"; else print (l <= s + 2097152 || l <= 1.25 * s) ? 0 : 1 }')
      verdict_text=$(verdict "$g" '<=' 0)
      echo "| $fs | $mode | $(attr_of heap "$fs" "$mode-$large" method) | $(mib "$s") MiB | $(mib "$l") MiB | $(stat_of max heap "$fs" "$mode-$large" gc_count) | $(cell %.2f 1 heap "$fs" "$mode-$large" seconds) s | $verdict_text |"
      target_row heap "$fs $mode: $large MiB with -Xmx64m, heap flat in file size" "≤ $small MiB's + 2 MiB or 25%" "$(mib "$s") → $(mib "$l") MiB" "$verdict_text"
    done
  done
  problems_of heap
}

# ================================================================ the report and BENCHMARKS.md
report_meta() {
  # shellcheck disable=SC1090
  source "$META"
  echo "$RUN_DATE, commit $COMMIT; $NPROC cores ($CPU), $MEMORY RAM; Linux $KERNEL."
  echo "JDK 17: $JDK17_VERSION; JDK 25: $JDK25_VERSION. $GNU_CP; $JDUPES; $DUPEREMOVE."
  echo "\`reflink\` is \`$REFLINK_COMMAND\`. Load average (1, 5, 15 min) $LOAD_START at the start, $LOAD_END at the end"
  echo "(the machine is shared with other work). Mode: $MODE; sections: $SECTIONS_RUN; it took $SECONDS_TAKEN s."
}

report_targets() {
  echo "| section | what | target | measured | |"
  echo "|---|---|---:|---:|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$TARGETS"
}

report() { # writes OUT/section-NAME.md for every section run, and the meta and targets sections
  local s
  # shellcheck disable=SC1090
  source "$META"
  : >"$TARGETS"
  for s in $SECTIONS_RUN; do "report_$s" >"$OUT/section-$s.md"; done
  report_meta >"$OUT/section-meta.md"
  report_targets >"$OUT/section-targets.md"
}

# Replaces what lies between <!-- bench:NAME --> and <!-- /bench:NAME --> with OUT/section-NAME.md,
# for every section made; dies when a marker is missing, so nothing is silently left stale.
rewrite_benchmarks_md() {
  local file=$root/BENCHMARKS.md s tmp
  for s in meta targets $SECTIONS_RUN; do
    grep -q "^<!-- bench:$s -->\$" "$file" && grep -q "^<!-- /bench:$s -->\$" "$file" \
      || die "BENCHMARKS.md has no <!-- bench:$s --> ... <!-- /bench:$s --> markers"
  done
  tmp=$(mktemp "$root/BENCHMARKS.md.XXXXXX")
  awk -v dir="$OUT" -v names="meta targets $SECTIONS_RUN" '
    BEGIN { n = split(names, list, " "); for (i = 1; i <= n; i++) wanted[list[i]] = 1 }
    skipping == "" && match($0, /^<!-- bench:[a-z]+ -->$/) {
      name = substr($0, 12, length($0) - 15)
      print
      if (name in wanted) {
        file = dir "/section-" name ".md"
        while ((getline line < file) > 0) print line
        close(file)
        skipping = name
      }
      next
    }
    skipping != "" && $0 == "<!-- /bench:" skipping " -->" { skipping = ""; print; next }
    skipping != "" { next }
    { print }' "$file" >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$file"
}

write_meta() {
  {
    echo "RUN_DATE='$(date -u '+%Y-%m-%d %H:%M UTC')'"
    echo "NPROC=$(nproc)"
    echo "CPU='$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)'"
    echo "MEMORY='$(free -g | awk '/^Mem:/ { print $2 " GiB" }')'"
    echo "KERNEL='$(uname -r)'"
    echo "JDK17_VERSION='$(jdk_version "$JDK17")'"
    echo "JDK25_VERSION='$(jdk_version "$JDK25")'"
    echo "GNU_CP='$(cp --version | head -1)'"
    echo "JDUPES='$(jdupes --version 2>/dev/null | head -1 | cut -d' ' -f1-2)'"
    echo "DUPEREMOVE='duperemove $(duperemove --version 2>/dev/null | head -1 | awk '{ print $NF }')'"
    echo "REFLINK_COMMAND='$(reflink_cmd_text)'"
    echo "COMMIT='$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(
      [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- provider cli benchmarks src 2>/dev/null)" ] && echo ' with local changes')'"
    echo "MODE='$([ "$QUICK" = 1 ] && echo "--quick" || echo full)'"
    echo "SECTIONS_RUN='$SECTIONS'"
    echo "LOAD_START='$(cut -d' ' -f1-3 /proc/loadavg)'"
    echo "STARTUP_ROUNDS=$STARTUP_ROUNDS SPARSE_ROUNDS=$SPARSE_ROUNDS SPARSE_MIB=$SPARSE_MIB SPARSE_DATA_MIB=$SPARSE_DATA_MIB"
    echo "SPARSE_EXTENTS=$SPARSE_EXTENTS DEDUPE_ROUNDS=$DEDUPE_ROUNDS DEDUPE_PERCENT=$DEDUPE_PERCENT"
    echo "LATENCY_ROUNDS=$LATENCY_ROUNDS CLONES=$CLONES COLD_ROUNDS=$COLD_ROUNDS HEAP_MIB='$HEAP_MIB'"
    echo "CLONE_WARMUP=$CLONE_WARMUP JVM_WARMUP=$JVM_WARMUP COLD_N=$COLD_N"
    echo "REFLINK_JDK_VERSION='$("$REFLINK_JDK/bin/java" -version 2>&1 | head -1 | sed 's/.*version "\([0-9]*\).*/\1/')'"
  } >"$META"
}

# ---------------------------------------------------------------- main
if [ -n "$REPORT_ONLY" ]; then
  [ -f "$REPORT_ONLY/meta.env" ] || die "--report DIR: DIR must hold a run's raw figures (meta.env, raw.tsv, ...)"
  OUT=$(cd "$REPORT_ONLY" && pwd)
  set_paths
  # shellcheck disable=SC1090
  source "$META"
  report
  for s in meta targets $SECTIONS_RUN; do echo "<!-- bench:$s -->"; cat "$OUT/section-$s.md"; echo "<!-- /bench:$s -->"; done
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root (loop devices, mounts, apt-get)"
for s in $SECTIONS; do
  case " $ALL_SECTIONS " in *" $s "*) ;; *) die "unknown section $s (sections: $ALL_SECTIONS)" ;; esac
done
OUT=$root/benchmarks/target/benchmarks-run/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
set_paths
: >"$RAW"; : >"$LOG"; : >"$PROBLEMS"; : >"$TARGETS"; : >"$ATTR"
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$EPOCHREALTIME
prepare
write_meta
attr startup xfs all command "$(reflink_cmd_text)"
say "raw figures and log in $OUT"

# the host disk must hold our images' data: the heap section's largest copy twice, the dedupe tree twice
largest_heap=${HEAP_MIB##* }
[ "$(free_bytes /var/tmp)" -ge $(( (2 * largest_heap + 2048) * 1048576 )) ] \
  || die "/var/tmp has $(calc %.1f "$(free_bytes /var/tmp) / 1073741824") GiB free; at least $(( (2 * largest_heap + 2048) / 1024 )) GiB are needed"
mkdir -p "$BIG"
image_size=$(( (SPARSE_MIB > 2 * largest_heap ? SPARSE_MIB : 2 * largest_heap) + 4096 ))M
case " $SECTIONS " in *" sparse "*|*" heap "*) big_image ext4 "$image_size"; big_image btrfs "$image_size" ;; esac
case " $SECTIONS " in *" sparse "*|*" heap "*|*" dedupe "*) big_image xfs "$image_size" ;; esac

for s in $SECTIONS; do
  say "== $s"
  "measure_$s"
done
echo "LOAD_END='$(cut -d' ' -f1-3 /proc/loadavg)'" >>"$META"
echo "SECONDS_TAKEN=$(calc %.0f "$(secs "$started" "$EPOCHREALTIME")")" >>"$META"
report
if [ "$WRITE" = 1 ]; then
  rewrite_benchmarks_md
  say "BENCHMARKS.md rewritten; raw figures in $OUT"
else
  for s in meta targets $SECTIONS; do echo "<!-- bench:$s -->"; cat "$OUT/section-$s.md"; echo "<!-- /bench:$s -->"; done
fi
[ ! -s "$PROBLEMS" ] || say "some checks failed: see $PROBLEMS (also listed in the tables)"

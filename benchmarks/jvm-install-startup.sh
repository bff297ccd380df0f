#!/usr/bin/env bash
# The start-up cost of installing reflink4j with JAVA_TOOL_OPTIONS (README, "Every JVM program,
# with one variable"): a hello world, and a hello world that makes one Files.copy of a 1 MiB file,
# each with and without the variable, on each JDK given; the four runs of a round are interleaved
# so that a slower minute of a shared machine weighs on all of them. Prints the median wall time
# of each, in ms, and the cost of the variable.
#
# Usage: benchmarks/jvm-install-startup.sh [ROUNDS] [JAVA_HOME...]
#   default: 21 rounds, the java on PATH and /usr/lib/jvm/temurin-25-jdk-amd64 if present.
#   Needs provider/target/reflink4j-*-jvm.jar (mvn -pl provider package) and a directory on btrfs
#   in REFLINK4J_BENCH_DIR (default /var/tmp/reflink4j-fs/mnt/btrfs, made by src/test-filesystems.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-21}
shift || true
if [ $# -gt 0 ]; then
  homes=("$@")
else
  homes=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && homes+=(/usr/lib/jvm/temurin-25-jdk-amd64)
fi
jar=$(ls provider/target/reflink4j-*-jvm.jar 2>/dev/null | head -1)
[ -n "$jar" ] || { echo "no provider/target/reflink4j-*-jvm.jar: run mvn -pl provider package" >&2; exit 1; }
jar=$(readlink -f "$jar")
data=${REFLINK4J_BENCH_DIR:-/var/tmp/reflink4j-fs/mnt/btrfs}

work=$(mktemp -d)
scratch=$(mktemp -d "$data/jvm-install-startup.XXXXXX")
trap 'rm -rf "$work" "$scratch"' EXIT
cat > "$work/Hello.java" <<'EOF'
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

public class Hello {
    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            Files.copy(Path.of(args[0]), Path.of(args[1]), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("hello");
    }
}
EOF
"${homes[0]}/bin/javac" --release 17 -d "$work" "$work/Hello.java"
head -c $((1 << 20)) /dev/urandom > "$scratch/source"
variable="-javaagent:$jar -Djava.nio.file.spi.DefaultFileSystemProvider=io.github.reflink4j.ReflinkFileSystemProvider --enable-native-access=ALL-UNNAMED"

# one run, its wall time in ms on stdout; its own output must be "hello" and nothing else but the JVM's line
run() { # java, with|without, hello|copy
  local java=$1 with=$2 what=$3 start end out
  local args=()
  [ "$what" = copy ] && args=("$scratch/source" "$scratch/target")
  start=$(date +%s%N)
  if [ "$with" = with ]; then
    out=$(JAVA_TOOL_OPTIONS="$variable" "$java" -cp "$work" Hello "${args[@]}" 2>&1 | grep -v '^Picked up JAVA_TOOL_OPTIONS: ')
  else
    out=$(env -u JAVA_TOOL_OPTIONS "$java" -cp "$work" Hello "${args[@]}" 2>&1)
  fi
  end=$(date +%s%N)
  [ "$out" = hello ] || { echo "unexpected output from $java ($with, $what): $out" >&2; exit 1; }
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "rounds: $rounds, jar: $(basename "$jar"), copy on $(stat -f -c %T "$scratch"), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for home in "${homes[@]}"; do
  java="$home/bin/java"
  version=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')
  declare -A times=()
  for ((i = 0; i < rounds; i++)); do
    for what in hello copy; do
      for with in without with; do
        rm -f "$scratch/target"
        times[$with-$what]+="$(run "$java" $with $what) "
      done
    done
  done
  for what in hello copy; do
    without=$(tr ' ' '\n' <<< "${times[without-$what]}" | grep . | median)
    with=$(tr ' ' '\n' <<< "${times[with-$what]}" | grep . | median)
    printf 'JDK %-8s %-22s without %5s ms   with the variable %5s ms   cost %5s ms\n' "$version" \
      "$([ $what = hello ] && echo 'hello world' || echo 'hello world + 1 copy')" "$without" "$with" \
      "$(awk -v a="$with" -v b="$without" 'BEGIN {print a - b}')"
  done
  unset times
done

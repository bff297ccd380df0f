#!/usr/bin/env bash
# The consumer test: installs the library (the parent pom and io.github.reflink4j:reflink4j) into
# the local Maven repository, builds consumer-test/ (a separate Maven project that depends on the
# installed artifact, with a module-info of its own) and runs it, on each JDK given, once on the
# class path and once on the module path, in a fresh directory on the btrfs test file system.
# It fails if anything is amiss: a failed check in the program, a missing file system, output
# on stderr (a JDK warning about native access counts), a binding other than expected, or a
# copy whose blocks filefrag does not show as shared.
#
# Usage: src/consumer-test.sh JDK_HOME...   (the library is built by JAVA_HOME's JDK, or the
#                                            default java; use JDK 22+ for a jar with both bindings)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 src/consumer-test.sh \
#       /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64
# The btrfs mount comes from REFLINK4J_TEST_FS (btrfs=DIR,...) or, as root, src/test-filesystems.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -eq 0 ]; then
  echo "usage: src/consumer-test.sh JDK_HOME..." >&2
  exit 2
fi

if [ -z "${REFLINK4J_TEST_FS:-}" ] && [ "$(id -u)" -eq 0 ]; then
  eval "$(src/test-filesystems.sh --export)"
fi
btrfs=$(tr ',' '\n' <<<"${REFLINK4J_TEST_FS:-}" | sed -n 's/^btrfs=//p')
if [ -z "$btrfs" ] || [ "$(stat -f -c %T "$btrfs" 2>/dev/null)" != btrfs ]; then
  echo "consumer-test: no btrfs file system (REFLINK4J_TEST_FS=${REFLINK4J_TEST_FS:-}); run as root or set it" >&2
  exit 1
fi

builder=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}

# Maven's own Guava uses sun.misc.Unsafe: on JDK 23+ keep the JDK's warning about it out of the log
# (as src/run-tests.sh does)
maven_java_version=$("$builder/bin/java" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java.specification.version = //p')
if [ "${maven_java_version%%.*}" -ge 23 ] 2>/dev/null; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -n 1)
echo "consumer-test: installing reflink4j $version built by $builder"
JAVA_HOME="$builder" mvn -B -q -pl .,provider clean install -DskipTests
JAVA_HOME="$builder" mvn -B -q -f consumer-test/pom.xml clean package -Dreflink4j.version="$version"
app=consumer-test/target/reflink4j-consumer-test-1.jar
lib=consumer-test/target/lib
[ -f "$lib/reflink4j-$version.jar" ] || { echo "consumer-test: $lib has no reflink4j-$version.jar" >&2; exit 1; }
cmp -s "$lib/reflink4j-$version.jar" "provider/target/reflink4j-$version.jar" \
  || { echo "consumer-test: the consumer resolved a reflink4j jar other than the one just built" >&2; exit 1; }

scratch=$(mktemp -d "$btrfs/consumer-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
status=0
runs=0

# run NAME JDK EXPECTED_MODULE EXPECTED_BINDING BINDING_SETTING JAVA_ARGS...
run() {
  local name=$1 jdk=$2 module=$3 binding=$4 setting=$5
  shift 5
  local dir="$scratch/$name" out="$scratch/$name.out" err="$scratch/$name.err" problem=""
  mkdir "$dir"
  runs=$((runs + 1))
  if ! REFLINK4J_BINDING=$setting "$jdk/bin/java" "$@" "$dir" >"$out" 2>"$err"; then
    problem="exited with status $?"
  elif [ -s "$err" ]; then
    problem="wrote to stderr"
  elif ! grep -qx "reflink4j-module=$module" "$out"; then
    problem="reflink4j was not loaded as module $module"
  elif ! grep -qx "binding=$binding" "$out"; then
    problem="the native binding is not $binding"
  else
    local file sharing files=0
    while IFS= read -r file; do
      files=$((files + 1))
      # filefrag is the witness: every allocated byte of each file is in an extent flagged shared
      sharing=$(filefrag -v "$file" | awk -v physical=/dev/null -f src/filefrag-sharing.awk) \
        || { problem="filefrag output for $file not understood"; break; }
      if ! grep -Eq "^files=1 extents=[0-9]+ allocated_bytes=1048576 shared_bytes=1048576 " <<<"$sharing"; then
        problem="$file does not share its blocks: $sharing"
        break
      fi
    done < <(sed -n 's/^shared=//p' "$out")
    [ -n "$problem" ] || [ "$files" -eq 3 ] || problem="named $files shared files, not 3"
  fi
  if [ -n "$problem" ]; then
    status=1
    echo "consumer-test: FAILED $name ($jdk): $problem" >&2
    sed 's/^/  stdout: /' "$out" >&2
    sed 's/^/  stderr: /' "$err" >&2
  else
    echo "consumer-test: ok $name: $(tr '\n' ' ' <"$out" | sed 's/shared=[^ ]* //g')"
  fi
}

main=io.github.reflink4j.consumertest.ConsumerCheck
for jdk in "$@"; do
  feature=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = //p')
  bindings=(auto)
  [ "$feature" -ge 22 ] && bindings+=(jnr)
  for setting in "${bindings[@]}"; do
    expected=jnr-ffi
    [ "$setting" = auto ] && [ "$feature" -ge 22 ] && expected=java.lang.foreign
    run "jdk$feature-$setting-classpath" "$jdk" unnamed "$expected" "$setting" \
      --enable-native-access=ALL-UNNAMED -cp "$app:$lib/*" "$main"
    run "jdk$feature-$setting-modulepath" "$jdk" io.github.reflink4j "$expected" "$setting" \
      --enable-native-access=io.github.reflink4j,org.jnrproject.jffi -p "$app:$lib" -m "io.github.reflink4j.consumertest/$main"
  done
done
echo "consumer-test: $runs runs, $([ "$status" -eq 0 ] && echo all passed || echo SOME FAILED)"
exit "$status"

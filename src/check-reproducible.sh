#!/usr/bin/env bash
# Checks that the build is reproducible: builds the published artifacts (the provider's jar,
# sources jar, javadoc jar and -javaagent jar) and the command's shaded jar twice from clean, and
# compares them byte for byte. Exits nonzero naming each jar that differs and the entries that differ.
#
# Usage: src/check-reproducible.sh [extra maven arguments]
#        JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 src/check-reproducible.sh
# (Both builds use the same JDK: javac's output, and so the jars, differ between JDK versions.)
set -euo pipefail
cd "$(dirname "$0")/.."

# Maven's own Guava uses sun.misc.Unsafe: on JDK 23+ keep the JDK's warning about it out of the log
# (as src/run-tests.sh does)
maven_java_version=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java.specification.version = //p')
if [ "${maven_java_version%%.*}" -ge 23 ] 2>/dev/null; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -n 1)
# every jar a release hands out, by name: the provider's jar, its sources and javadoc jars, the
# -javaagent jar of "Every JVM program, with one variable" (README), and the command's jar
expected=("reflink4j-$version.jar" "reflink4j-$version-sources.jar" "reflink4j-$version-javadoc.jar"
  "reflink4j-$version-jvm.jar" reflink.jar)

build() {
  local into=$1 name made
  mvn -B -q -pl provider,cli -Ppublish clean package -DskipTests "${@:2}"
  mkdir -p "$into"
  cp provider/target/reflink4j-*.jar cli/target/reflink.jar "$into/"
  # a jar missing from the build would compare nothing; one the list does not name would go unchecked
  for name in "${expected[@]}"; do
    [ -f "$into/$name" ] || { echo "check-reproducible: the build made no $name" >&2; exit 1; }
  done
  made=$(ls "$into")
  if [ "$(wc -l <<<"$made")" -ne "${#expected[@]}" ]; then
    echo "check-reproducible: the build made jars this script does not name: $(tr '\n' ' ' <<<"$made")" >&2
    exit 1
  fi
}

build "$work/first" "$@"
# entries whose time came from the clock, not from project.build.outputTimestamp, would differ
# only if the clock moved on between the builds (zip times count in 2-second steps)
sleep 2
build "$work/second" "$@"

status=0
for first in "$work"/first/*.jar; do
  name=$(basename "$first")
  second="$work/second/$name"
  if cmp -s "$first" "$second"; then
    echo "check-reproducible: $name identical ($(sha256sum "$first" | cut -c1-16)…)"
  else
    status=1
    echo "check-reproducible: $name DIFFERS between two builds of the same sources" >&2
    diff <(unzip -lv "$first" | awk 'NR>3 {print $5, $6, $7, $8}') \
         <(unzip -lv "$second" | awk 'NR>3 {print $5, $6, $7, $8}') >&2 || true
  fi
done
exit "$status"

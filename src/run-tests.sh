#!/usr/bin/env bash
# Runs the whole test suite against real btrfs, xfs, ext4 and tmpfs file systems, and overlayfs
# (a container's root) over xfs and over btrfs.
# As root it first creates and loop-mounts them (src/test-filesystems.sh, idempotent); as
# another user it uses REFLINK4J_TEST_FS if set, and the file-system tests skip otherwise.
#
# Usage (as root):  src/run-tests.sh [extra maven arguments]
#                   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 src/run-tests.sh
#         REFLINK4J_REQUIRE_FS=1 makes a missing file system fail the build instead of skipping.
#         REFLINK4J_BINDING=jnr (or foreign) runs every JVM of the tests with that native binding;
#         the default picks java.lang.foreign on JDK 22+ and jnr-ffi on JDK 17-21.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  # what some tests use besides the file systems: setfacl (ACLs), getfattr (extended attributes),
  # strace (system calls), and a C compiler with the kernel's and glibc's headers (LayoutsTest
  # checks the structures against them)
  tools=()
  command -v setfacl >/dev/null || tools+=(acl)
  command -v strace >/dev/null || tools+=(strace)
  command -v getfattr >/dev/null || tools+=(attr)
  command -v cc >/dev/null || tools+=(gcc)
  # InstallTest: zsh loads the zsh completion, groff renders the man page
  command -v zsh >/dev/null || tools+=(zsh)
  command -v groff >/dev/null || tools+=(groff-base)
  [ -f /usr/include/linux/fiemap.h ] || tools+=(linux-libc-dev)
  [ -f /usr/include/stdio.h ] || tools+=(libc6-dev)
  if [ ${#tools[@]} -gt 0 ]; then
    echo "run-tests: installing ${tools[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tools[@]}" >&2
  fi
  eval "$(src/test-filesystems.sh --export)"
elif [ -z "${REFLINK4J_TEST_FS:-}" ]; then
  echo "run-tests: not root and REFLINK4J_TEST_FS unset: the file-system tests will be skipped" >&2
fi
export REFLINK4J_TEST_FS="${REFLINK4J_TEST_FS:-}"

java_version=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java.specification.version = //p')
if [ "${java_version%%.*}" -ge 23 ] 2>/dev/null; then
  # Maven's own Guava uses sun.misc.Unsafe; keep the JDK's warning about it out of the log.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi

echo "run-tests: java $java_version, REFLINK4J_BINDING=${REFLINK4J_BINDING:-auto}, REFLINK4J_TEST_FS=$REFLINK4J_TEST_FS" >&2
mvn -B verify "$@"
tally=provider-tests/target/filesystem-tally.txt
if [ -f "$tally" ]; then cat "$tally"; fi

#!/usr/bin/env bash
# Creates and loop-mounts the four filesystems the reflink4j tests run against:
#   btrfs (reflinks), xfs with reflink=1 (reflinks), ext4 (no reflinks), tmpfs (no reflinks);
# then two overlayfs mounts as a container's root is (Docker's overlay2, Podman), overlay-xfs and
# overlay-btrfs, whose layers (lower, upper, work) are directories of .overlay-layers on the xfs
# and btrfs mounts.
# Idempotent: a filesystem already mounted at its mount point is reused as it is.
# Needs root; installs btrfs-progs and xfsprogs from Debian's packages when they are missing.
#
# Usage (as root):  src/test-filesystems.sh                        # set up, print REFLINK4J_TEST_FS=...
#                   eval "$(src/test-filesystems.sh --export)"   # set up and export the variable
#                   src/test-filesystems.sh --unmount              # unmount and delete the images
#
# Environment: REFLINK4J_FS_ROOT (default /var/tmp/reflink4j-fs) holds the images and the
# mount points; REFLINK4J_FS_SIZE (default 3G) is each image's apparent size (sparse).
set -euo pipefail

root=${REFLINK4J_FS_ROOT:-/var/tmp/reflink4j-fs}
size=${REFLINK4J_FS_SIZE:-3G}
kinds=(btrfs xfs ext4 tmpfs)
overlays=(xfs btrfs)   # overlay-KIND: an overlayfs whose layers are all on KIND

die() { echo "test-filesystems: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates loop devices and mounts them)"

if [ "${1:-}" = "--unmount" ]; then
  # an overlay a test mounted itself (OverlayMount) and could not unmount, e.g. its JVM was killed:
  # it would keep the xfs or btrfs below busy
  { findmnt -rn -t overlay -o SOURCE,TARGET || true; } | while read -r source target; do
    target=$(printf '%b' "$target") # findmnt -r writes a space as \x20
    if [ "$source" = reflink4j-test-overlay ] && [[ $target == "$root"/mnt/* ]]; then
      umount "$target" || umount -l "$target"
    fi
  done
  for base in "${overlays[@]}"; do
    mountpoint -q "$root/mnt/overlay-$base" && umount "$root/mnt/overlay-$base"
  done
  for kind in "${kinds[@]}"; do
    mountpoint -q "$root/mnt/$kind" && umount "$root/mnt/$kind"
    rm -f "$root/$kind.img"
  done
  echo "unmounted and removed the images under $root" >&2
  exit 0
fi

need_packages=()
command -v mkfs.btrfs >/dev/null || need_packages+=(btrfs-progs)
command -v mkfs.xfs   >/dev/null || need_packages+=(xfsprogs)
command -v mkfs.ext4  >/dev/null || need_packages+=(e2fsprogs)
command -v filefrag   >/dev/null || need_packages+=(e2fsprogs)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "installing ${need_packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need_packages[@]}" >&2
fi

mkfs_for() {
  case "$1" in
    btrfs) mkfs.btrfs -q -f "$2" ;;
    xfs)   mkfs.xfs -q -f -m reflink=1 "$2" ;;
    ext4)  mkfs.ext4 -q -F "$2" ;;
  esac
}

for kind in "${kinds[@]}"; do
  mnt="$root/mnt/$kind"
  mkdir -p "$mnt"
  if mountpoint -q "$mnt"; then
    actual=$(findmnt -n -o FSTYPE --target "$mnt")
    [ "$actual" = "$kind" ] || die "$mnt is mounted but is $actual, not $kind"
    echo "reusing $kind at $mnt" >&2
  elif [ "$kind" = tmpfs ]; then
    mount -t tmpfs -o size="$size" reflink4j-tmpfs "$mnt"
    echo "mounted tmpfs at $mnt" >&2
  else
    img="$root/$kind.img"
    if [ ! -f "$img" ]; then
      truncate -s "$size" "$img"
      mkfs_for "$kind" "$img" >&2
    fi
    mount -o loop "$img" "$mnt"
    echo "mounted $kind ($img) at $mnt" >&2
  fi
  chmod 1777 "$mnt"
done

mounted_overlays=()
for base in "${overlays[@]}"; do
  mnt="$root/mnt/overlay-$base"
  layers="$root/mnt/$base/.overlay-layers"
  mkdir -p "$mnt"
  if mountpoint -q "$mnt"; then
    actual=$(findmnt -n -o FSTYPE --target "$mnt")
    [ "$actual" = overlay ] || die "$mnt is mounted but is $actual, not overlay"
    echo "reusing overlay-$base at $mnt" >&2
  else
    mkdir -p "$layers/lower" "$layers/upper" "$layers/work"
    if ! mount -t overlay "reflink4j-overlay-$base" \
        -o "lowerdir=$layers/lower,upperdir=$layers/upper,workdir=$layers/work" "$mnt"; then
      # left out of the variable: the overlay tests skip, or fail under REFLINK4J_REQUIRE_FS=1
      echo "test-filesystems: cannot mount overlayfs over $base at $mnt (no overlay module?), left out" >&2
      continue
    fi
    echo "mounted overlay-$base (layers in $layers) at $mnt" >&2
  fi
  chmod 1777 "$mnt"
  mounted_overlays+=("$base")
done

value=$( (for kind in "${kinds[@]}"; do printf '%s=%s\n' "$kind" "$root/mnt/$kind"; done
          for base in ${mounted_overlays[@]+"${mounted_overlays[@]}"}; do printf 'overlay-%s=%s\n' "$base" "$root/mnt/overlay-$base"; done) \
        | paste -sd, -)
if [ "${1:-}" = "--export" ]; then
  echo "export REFLINK4J_TEST_FS='$value'"
else
  echo "REFLINK4J_TEST_FS=$value"
fi

#!/bin/sh
# Installs the reflink command: the shaded jar, its launcher and jnr-ffi's native stub in
# PREFIX/lib/reflink4j/, the command PREFIX/bin/reflink (a symbolic link to the launcher), the bash
# and zsh completions and the man page reflink(1), all four written by the build from the
# command's own option model. Builds the command first when cli/target has none (mvn package).
#
#   src/install.sh                                   # into /usr/local (as root)
#   src/install.sh --prefix "$HOME/.local"           # for this user only
#   src/install.sh --destdir /tmp/stage --prefix /usr   # staged, for a package
#   src/install.sh --uninstall [--prefix DIR] [--destdir DIR]
#
# Options:
#   --prefix DIR   where the command goes (default /usr/local)
#   --destdir DIR  a staging root put before PREFIX (what a package build calls DESTDIR)
#   --build        run "mvn -B -q package -DskipTests -pl cli -am" first even when cli/target has the command
#   --uninstall    remove what an install put there, and the directories it left empty
#
# The launcher keeps the class-data archive that makes it start fast in each user's own cache,
# ${XDG_CACHE_HOME:-$HOME/.cache}/reflink4j/, never beside the jar: the installed files stay
# read-only and shared. Uninstalling leaves the users' caches (rm -rf them at will).
set -eu

prefix=/usr/local
destdir=
build=false
uninstall=false

die() {
    echo "install: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir=$2; shift 2 ;;
        --destdir=*) destdir=${1#--destdir=}; shift ;;
        --build) build=true; shift ;;
        --uninstall) uninstall=true; shift ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case $prefix in
    /*) ;;
    *) die "--prefix must be an absolute path, not '$prefix'" ;;
esac
prefix=${prefix%/}
root=$destdir$prefix

lib=$root/lib/reflink4j
bin=$root/bin/reflink
bash_completion=$root/share/bash-completion/completions/reflink
zsh_completion=$root/share/zsh/site-functions/_reflink
man_page=$root/share/man/man1/reflink.1

# what PREFIX/bin/reflink is when it is this installation's: a link to the launcher
link_target=../lib/reflink4j/reflink
is_our_link() {
    [ -L "$bin" ] && [ "$(readlink -- "$bin")" = "$link_target" ]
}
# whether FILE (a completion, the man page) is one the build wrote: its head names the generator
written_by_us() {
    [ -f "$1" ] && ! [ -L "$1" ] && head -n 3 -- "$1" | grep -q 'io\.github\.reflink4j\.cli\.CommandReference'
}

if [ "$uninstall" = true ]; then
    # PREFIX/bin/reflink only if it is the link an install made, never another program's reflink
    if is_our_link; then
        rm -f -- "$bin"
    elif [ -e "$bin" ] || [ -L "$bin" ]; then
        echo "install: left $bin, which is not reflink4j's link to $link_target" >&2
    fi
    for file in "$bash_completion" "$zsh_completion" "$man_page"; do
        if written_by_us "$file"; then
            rm -f -- "$file"
        elif [ -e "$file" ] || [ -L "$file" ]; then
            echo "install: left $file, which reflink4j's build did not write" >&2
        fi
    done
    rm -rf -- "$lib"
    # the directories an install may have made, deepest first, where left empty (one argument
    # each: a prefix with spaces or wildcards stays one path)
    for directory in "$root/share/bash-completion/completions" "$root/share/bash-completion" \
        "$root/share/zsh/site-functions" "$root/share/zsh" "$root/share/man/man1" "$root/share/man" \
        "$root/share" "$root/lib" "$root/bin"; do
        if [ -d "$directory" ]; then
            rmdir -- "$directory" 2>/dev/null || true
        fi
    done
    # staged: the prefix's own directories too, up to DESTDIR, where empty
    if [ -n "$destdir" ]; then
        directory=$root
        while [ "$directory" != "$destdir" ] && [ "${#directory}" -gt "${#destdir}" ]; do
            rmdir -- "$directory" 2>/dev/null || break
            directory=${directory%/*}
        done
    fi
    echo "install: removed reflink from $root" >&2
    exit 0
fi

repository=$(cd -- "$(dirname -- "$0")/.." && pwd)
target=$repository/cli/target
if [ "$build" = true ] || ! [ -f "$target/reflink.jar" ] || ! [ -f "$target/share/man/man1/reflink.1" ]; then
    (cd -- "$repository" && mvn -B -q package -DskipTests -pl cli -am) || die "the build failed"
fi
for built in reflink.jar reflink share/bash-completion/completions/reflink share/zsh/site-functions/_reflink \
    share/man/man1/reflink.1; do
    [ -f "$target/$built" ] || die "$target/$built is missing: build with mvn package"
done

# never another program's reflink replaced (a link of an older install is)
if { [ -e "$bin" ] || [ -L "$bin" ]; } && ! is_our_link; then
    die "$bin exists and is not reflink4j's link to $link_target: remove it first, or choose another --prefix"
fi
for file in "$bash_completion" "$zsh_completion" "$man_page"; do
    if { [ -e "$file" ] || [ -L "$file" ]; } && ! written_by_us "$file"; then
        die "$file exists and is not reflink4j's: remove it first, or choose another --prefix"
    fi
done

# files readable by all, writable by their owner only, whatever the umask; directories made
# where missing (mode 755), the modes of existing ones (a 2775 /usr/local/bin, a 700 ~/.local/bin)
# left as they are
umask 022
mkdir -p -- "$lib" "$root/bin" "${bash_completion%/*}" "${zsh_completion%/*}" "${man_page%/*}"
install -m 644 -- "$target/reflink.jar" "$lib/reflink.jar"
install -m 755 -- "$target/reflink" "$lib/reflink"
for stub in "$target"/jffi/*/libjffi-*.so; do
    [ -f "$stub" ] || continue
    architecture=${stub%/*}
    architecture=${architecture##*/}
    mkdir -p -- "$lib/jffi/$architecture"
    install -m 644 -- "$stub" "$lib/jffi/$architecture/${stub##*/}"
done
# a relative link, so that a staged tree (DESTDIR) points into itself once moved into place
ln -sfn -- "$link_target" "$bin"
install -m 644 -- "$target/share/bash-completion/completions/reflink" "$bash_completion"
install -m 644 -- "$target/share/zsh/site-functions/_reflink" "$zsh_completion"
install -m 644 -- "$target/share/man/man1/reflink.1" "$man_page"
echo "install: reflink installed as $bin (uninstall: $0 --uninstall --prefix $prefix${destdir:+ --destdir $destdir})" >&2

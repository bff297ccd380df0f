# Sums what `filefrag -v FILE...` reports, for src/benchmarks.sh. Strict: every line must be one
# of the shapes below, every file's "N extents found" line must agree with the extents listed
# (filefrag counts physically contiguous extents as one, so N lies between the number of
# physically separate runs and the number of extent lines), and every
# extent's logical and physical lengths must agree; anything else stops with exit status 2 and
# the offending line on stderr, so a changed or failed filefrag can never pass for "0 shared".
#
#   awk -v physical=FILE -f src/filefrag-sharing.awk < filefrag-output
#
# Prints one line: files=N extents=E allocated_bytes=A shared_bytes=S block_size=B
# (allocated: the extents' lengths; shared: of extents flagged "shared"); writes each extent's
# physical "first last" block numbers to FILE, for the caller to merge into the blocks in use.
function fail(why) {
    printf "filefrag-sharing.awk: %s, line %d: %s\n", why, NR, $0 > "/dev/stderr"
    failed = 1
    exit 2
}
BEGIN { current = ""; block = 0 }
/^Filesystem type is: [0-9a-f]+$/ { next }
/^File size of .* is [0-9]+ \([0-9]+ blocks? of [0-9]+ bytes\)$/ {
    if (current != "") fail("no extent count for " current)
    current = $0
    sub(/^File size of /, "", current)
    sub(/ is [0-9]+ \([0-9]+ blocks? of [0-9]+ bytes\)$/, "", current)
    if (block == 0) block = $(NF - 1)
    if ($(NF - 1) != block) fail("a second block size")
    extents_here = 0
    runs_here = 0
    files++
    next
}
/^ ext: +logical_offset: +physical_offset: +length: +expected: +flags:$/ {
    if (current == "") fail("extent header outside a file")
    next
}
/^ *[0-9]+: +[0-9]+\.\. *[0-9]+: +[0-9]+\.\. *[0-9]+: +[0-9]+:/ {
    if (current == "") fail("extent outside a file")
    line = $0
    gsub(/\.\./, " ", line)
    gsub(/:/, " ", line)
    n = split(line, f, " ")
    if (n < 6 || n > 8) fail("extent line of " n " fields")
    length_blocks = f[6] + 0
    if (f[3] - f[2] + 1 != length_blocks || f[5] - f[4] + 1 != length_blocks) fail("inconsistent extent")
    flags = (f[n] ~ /^[0-9]+$/) ? "" : f[n]
    if (flags ~ /(^|,)(inline|unknown_loc|delalloc|encoded)(,|$)/) fail("extent without a place of its own (" flags ")")
    allocated += length_blocks * block
    if (flags ~ /(^|,)shared(,|$)/) shared += length_blocks * block
    print f[4], f[5] > physical
    if (extents_here == 0 || f[4] != previous_end + 1) runs_here++
    previous_end = f[5]
    extents_here++
    extents++
    next
}
/: [0-9]+ extents? found$/ {
    name = $0
    sub(/: [0-9]+ extents? found$/, "", name)
    if (name != current) fail("extent count for " name " while reading " current)
    said = $(NF - 2) + 0
    if (said < runs_here || said > extents_here) {
        fail("listed " extents_here " extents in " runs_here " separate runs, filefrag says " said)
    }
    current = ""
    next
}
{ fail("unrecognised line") }
END {
    if (failed) exit 2
    if (current != "") fail("output ends inside " current)
    if (files == 0) fail("no file at all")
    printf "files=%d extents=%d allocated_bytes=%.0f shared_bytes=%.0f block_size=%d\n", files, extents, allocated, shared, block
}

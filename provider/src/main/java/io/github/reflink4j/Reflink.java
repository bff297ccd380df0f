package io.github.reflink4j;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.github.reflink4j.engine.CopyEngine;
import io.github.reflink4j.engine.CopyRequest;
import io.github.reflink4j.engine.Deduplicator;
import io.github.reflink4j.engine.Leftovers;
import io.github.reflink4j.engine.SharingInspector;
import io.github.reflink4j.engine.SupportProbe;
import io.github.reflink4j.engine.TreeCopier;
import io.github.reflink4j.engine.TreeDeduplicator;

/**
 * Copy-on-write clones ("reflinks") of files: the copy shares the source's data blocks, takes
 * microseconds whatever the size, and costs no space until one of the two files is written.
 * Where the file system cannot share blocks (ext4, tmpfs, or across file systems), AUTO falls
 * back to the fastest real copy, keeping holes.
 *
 * <pre>{@code
 * // clone or fail: a ReflinkFailedException names both paths and the errno
 * Reflink.always(Path.of("/data/vm.img"), Path.of("/data/vm-before-upgrade.img"));
 *
 * // clone where possible, else copy; replace an existing target all at once, keep metadata
 * CopyResult r = Reflink.auto(source, target, StandardCopyOption.REPLACE_EXISTING,
 *                             StandardCopyOption.COPY_ATTRIBUTES);
 * System.out.println(r.method() + " " + r.bytes());   // CLONE 53687091200
 * }</pre>
 *
 * <p>The path methods take the options {@link java.nio.file.Files#copy(Path, Path, CopyOption...)}
 * takes, with the same meaning, and keep its contract: directories become empty directories,
 * links are copied as links with NOFOLLOW_LINKS, a copy onto the same file does nothing. They
 * never lose data: the source is only read, an existing target is replaced by renaming a
 * complete new file over it (so it is wholly old or wholly new), and a failed copy leaves no new
 * or temporary file behind. All methods are thread-safe.
 */
public final class Reflink {
    private Reflink() {}

    /**
     * Clones {@code source} to {@code target} or fails.
     *
     * @param source the file to copy
     * @param target the file to create, or to replace with {@code REPLACE_EXISTING}
     * @param options options as {@link java.nio.file.Files#copy(Path, Path, CopyOption...)} takes them
     * @return what the copy did: {@link CopyMethod#CLONE}, or {@link CopyMethod#NONE} for a directory or a
     *         copy onto itself
     * @throws ReflinkFailedException      the file system or these files cannot be cloned
     * @throws ReflinkUnsupportedException this platform or runtime cannot clone at all
     * @throws IllegalArgumentException    the options hold a ReflinkCopyOption other than ALWAYS
     */
    public static CopyResult always(Path source, Path target, CopyOption... options) throws IOException {
        return copyIn(ReflinkCopyOption.ALWAYS, source, target, options);
    }

    /**
     * Clones {@code source} to {@code target} where possible, else copies it.
     *
     * @param source the file to copy
     * @param target the file to create, or to replace with {@code REPLACE_EXISTING}
     * @param options options as {@link java.nio.file.Files#copy(Path, Path, CopyOption...)} takes them
     * @return what the copy did
     * @throws IOException when the copy fails; the target is then as it was
     */
    public static CopyResult auto(Path source, Path target, CopyOption... options) throws IOException {
        return copyIn(ReflinkCopyOption.AUTO, source, target, options);
    }

    /**
     * Copies {@code source} to {@code target} in the mode of the ReflinkCopyOption among the
     * options, AUTO when there is none.
     *
     * @param source the file to copy
     * @param target the file to create, or to replace with {@code REPLACE_EXISTING}
     * @param options options as {@link java.nio.file.Files#copy(Path, Path, CopyOption...)} takes them, plus
     *                at most one {@link ReflinkCopyOption}
     * @return what the copy did
     * @throws IllegalArgumentException      for more than one ReflinkCopyOption
     * @throws UnsupportedOperationException for ATOMIC_MOVE or an option Files.copy does not know
     * @throws IOException when the copy fails; the target is then as it was
     */
    public static CopyResult copy(Path source, Path target, CopyOption... options) throws IOException {
        return CopyEngine.copy(
                platformPath(source), platformPath(target), CopyRequest.parse(ReflinkCopyOption.AUTO, options));
    }

    /**
     * The whole source channel into the target channel, which ends with exactly the source's
     * size. The channels' positions are not used and not changed. The target is written in
     * place: an ALWAYS that cannot clone leaves it unchanged, but a copy that fails half way
     * leaves it half written (use the path methods for all-or-nothing).
     *
     * <p>Needs the channels' file descriptors, which the JVM hands out only when started with
     * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED};
     * without them ALWAYS throws {@link ReflinkUnsupportedException} and AUTO uses
     * {@link FileChannel#transferTo}.
     *
     * <p>The copy uses the descriptors as the channels' own I/O does: a {@code close()} of either
     * channel from another thread waits until the copy stops at its next chunk, and the copy then
     * throws {@link java.nio.channels.AsynchronousCloseException}. The locks held on the files
     * stay held.
     *
     * @param source a channel open for reading
     * @param target a channel open for writing
     * @param mode ALWAYS, AUTO or NEVER
     * @return what the copy did
     * @throws IOException when the copy fails, or an ALWAYS cannot clone
     */
    public static CopyResult reflink(FileChannel source, FileChannel target, ReflinkCopyOption mode)
            throws IOException {
        return CopyEngine.copy(source, target, mode);
    }

    /**
     * {@code length} bytes of the source at {@code sourceOffset} into the target at
     * {@code targetOffset}. Block-aligned ranges are cloned (FICLONERANGE); ALWAYS fails on a
     * range the kernel cannot clone, AUTO copies it instead, or clones the aligned middle and
     * copies the unaligned edges. A range past the source's end copies what exists.
     *
     * <pre>{@code
     * // share 1 MiB at offset 2 MiB of the source at offset 0 of the target
     * Reflink.partial(src, 2 << 20, dst, 0, 1 << 20, ReflinkCopyOption.ALWAYS);
     * }</pre>
     *
     * @param source a channel open for reading
     * @param sourceOffset where the range starts in the source
     * @param target a channel open for writing
     * @param targetOffset where the range goes in the target
     * @param length the range's length in bytes
     * @param mode ALWAYS, AUTO or NEVER
     * @return what the copy did
     * @throws IllegalArgumentException negative values or an overflowing range, before anything
     *                                  is written; overlapping ranges of the same file
     * @throws IOException when the copy fails, or an ALWAYS cannot clone the range
     */
    public static CopyResult partial(
            FileChannel source,
            long sourceOffset,
            FileChannel target,
            long targetOffset,
            long length,
            ReflinkCopyOption mode)
            throws IOException {
        return CopyEngine.range(source, sourceOffset, target, targetOffset, length, mode);
    }

    /**
     * As {@link #partial(FileChannel, long, FileChannel, long, long, ReflinkCopyOption)}; an absent target is created.
     *
     * @param source the file to read
     * @param sourceOffset where the range starts in the source
     * @param target the file to write, created if absent
     * @param targetOffset where the range goes in the target
     * @param length the range's length in bytes
     * @param mode ALWAYS, AUTO or NEVER
     * @return what the copy did
     * @throws IOException when the copy fails, or an ALWAYS cannot clone the range
     */
    public static CopyResult partial(
            Path source, long sourceOffset, Path target, long targetOffset, long length, ReflinkCopyOption mode)
            throws IOException {
        return CopyEngine.range(platformPath(source), sourceOffset, platformPath(target), targetOffset, length, mode);
    }

    /**
     * Copies a directory tree, cloning its files in parallel (one worker per core); see
     * {@link #copyTree(Path, Path, TreeCopy)}.
     *
     * @param source the directory to copy
     * @param target the directory to create, or to merge into with {@code REPLACE_EXISTING}
     * @param options options as {@link java.nio.file.Files#copy(Path, Path, CopyOption...)} takes them, plus
     *                at most one {@link ReflinkCopyOption}
     * @return what was copied, and what failed
     * @throws IOException when the tree cannot be copied at all; a failing entry is listed in the summary
     *                     instead
     */
    public static TreeCopySummary copyTree(Path source, Path target, CopyOption... options) throws IOException {
        return copyTree(source, target, TreeCopy.options().copyOptions(options));
    }

    /**
     * Copies the directory tree {@code source} to {@code target}: files cloned where the file
     * system can (in the mode among the copy options), in parallel; symbolic links as links;
     * FIFOs and device nodes created anew; with {@code TreeCopy.preserveHardLinks(true)}, hard
     * links as hard links. {@code target} may exist as a directory: the tree is merged into it
     * (existing files need REPLACE_EXISTING). A failed entry does not stop the copy: it is
     * reported to the listener and in the summary.
     *
     * <p>Every entry is reached relative to an open descriptor of its directory, by its name's
     * raw bytes, and never through a symbolic link, even one swapped in while the copy runs: so
     * nothing outside {@code source} is read and nothing outside {@code target} is written, and
     * any name copies byte for byte. The copy streams (it starts at once; memory depends on the
     * tree's depth and the parallelism, not on its size). A directory it creates is open to its
     * owner only until its contents are done, then gets its final mode: the source's filtered by
     * the umask (or a default ACL), as {@code Files.copy} gives it, or with COPY_ATTRIBUTES the
     * source's exact mode, owner, extended attributes and times.
     *
     * <pre>{@code
     * TreeCopySummary s = Reflink.copyTree(Path.of("build"), Path.of("build-snapshot"),
     *         TreeCopy.options().copyOptions(ReflinkCopyOption.ALWAYS));
     * if (!s.succeeded()) s.failures().forEach(f -> System.err.println(f.error().getMessage()));
     * }</pre>
     *
     * @param source the directory to copy
     * @param target the directory to create, or to merge into with {@code REPLACE_EXISTING}
     * @param settings the options, parallelism, hard-link handling and listener
     * @return what was copied, and what failed
     * @throws java.nio.file.NotDirectoryException when {@code source} is not a directory
     * @throws java.nio.file.FileSystemException   when {@code target} is inside {@code source}, or
     *                                             exists and is not a directory
     * @throws java.io.InterruptedIOException      when the calling thread is interrupted: every
     *                                             worker has stopped and every directory created has
     *                                             its final mode before this is thrown, and the
     *                                             thread's interrupt status is set again
     */
    public static TreeCopySummary copyTree(Path source, Path target, TreeCopy settings) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(settings, "settings");
        return TreeCopier.copy(platformPath(source), platformPath(target), settings);
    }

    /**
     * How much of {@code file} shares blocks with other files, is exclusive to it, or is a hole,
     * from the file system's extent map.
     *
     * <pre>{@code
     * Reflink.always(a, b);
     * assert Reflink.sharing(b).sharedBytes() == Files.size(b);   // on btrfs or xfs
     * }</pre>
     *
     * @param file the file to inspect
     * @return its size split into shared, exclusive and hole bytes
     * @throws ReflinkUnsupportedException off Linux or for a path of a non-default file system
     */
    public static SharingReport sharing(Path file) throws IOException {
        return SharingInspector.inspect(platformPath(file));
    }

    /**
     * Makes {@code target} share {@code source}'s blocks wherever their contents are identical
     * (FIDEDUPERANGE). The kernel compares the data under lock, so this never changes a byte of
     * either file, even if one is being written: a file that differs simply stays unshared
     * where it differs.
     *
     * <pre>{@code
     * DedupeResult r = Reflink.dedupe(Path.of("release-1.iso"), Path.of("release-1-copy.iso"));
     * System.out.println(r.bytesDeduplicated() + " bytes now stored once; differs: " + r.differs());
     * }</pre>
     *
     * @param source the file whose blocks are kept
     * @param target the file made to share them where identical
     * @return how many bytes now share blocks, and whether the files differ
     * @throws ReflinkFailedException      the file system cannot dedupe (ext4, tmpfs) or the files are on two
     * @throws ReflinkUnsupportedException off Linux or for a path of a non-default file system
     */
    public static DedupeResult dedupe(Path source, Path target) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        return Deduplicator.dedupe(platformPath(source), platformPath(target));
    }

    /**
     * Deduplicates the tree {@code root} with one thread per core; see {@link #dedupeTree(List, TreeDedupe)}.
     *
     * @param root the directory to deduplicate
     * @return what was found and deduplicated, and what failed
     * @throws IOException when the tree cannot be deduplicated at all
     */
    public static TreeDedupeSummary dedupeTree(Path root) throws IOException {
        return dedupeTree(List.of(Objects.requireNonNull(root, "root")), TreeDedupe.options());
    }

    /**
     * Makes identical files under {@code roots} share their blocks, as {@link #dedupe} does for
     * two files, reading most bytes not at all. Regular files are
     * grouped by file system and size (symbolic links are never followed, hard links to one
     * inode count once, empty files are left out); a group is split by reading five blocks of
     * each file; files that already share all their blocks are skipped by their extent maps
     * (FIEMAP), so a second run over a deduplicated tree costs only the metadata; the rest go to
     * FIDEDUPERANGE, one source and up to 127 destinations per request. The kernel compares the
     * bytes under lock, so no byte of any file changes, and files that differ somewhere still
     * share the blocks they have in common. A file that cannot be read or deduplicated is
     * reported to the listener and in the summary; the others go on.
     *
     * <p>What is read: the five probed blocks of each file of a size some other file has; the
     * source range once per request and each identical destination once, by the kernel. More is
     * read where files differ: a destination that differs from the source within a 16 MiB
     * request has that range offered again in halves down to 128 KiB pieces, so the kernel may
     * read a differing range up to eight times (it stops at the first differing page); a file
     * already sharing part of the source's blocks has its other ranges read and compared in user
     * space before the equal pieces go to the kernel; where four or more destinations differ from
     * the source in a group's first request, they and the source are read in full once more
     * (CRC32C) to find the ones identical to each other; and a dry run reads every probed-alike
     * file in full.
     *
     * <p>Limits: files are grouped by {@code st_dev}, so files in two btrfs subvolumes (each its
     * own {@code st_dev}) are never compared. Each worker holds up to 128 files and a few
     * directories open; under a low {@code RLIMIT_NOFILE} ({@code ulimit -n}) fewer workers, then
     * fewer destinations per request, keep all of them under half the soft limit, so a run does
     * not fail with EMFILE unless the application holds the other half.
     *
     * <p>Files are opened read-only: the kernel lets their owner, a user who may write them, and
     * root deduplicate them. Each is reached from its root's descriptor one name at a time,
     * never through a symbolic link (not at its own name, nor at a directory's on its path), and
     * checked to be the file listed, so a file or directory swapped for another meanwhile is
     * left alone and reported, and no link leads it outside the roots. One exception: a worker
     * keeps the last few directories it reached open, and a directory moved out of a root while a
     * worker holds it is still gone through for that group's remaining files; only the files
     * listed there, their inodes checked, which a dedupe cannot change.
     *
     * <pre>{@code
     * TreeDedupeSummary s = Reflink.dedupeTree(List.of(Path.of("/srv/images")), TreeDedupe.options());
     * System.out.println(s.bytesDeduplicated() + " bytes now stored once, "
     *         + s.bytesAlreadyShared() + " were already");
     * }</pre>
     *
     * @param roots the directories (or files) to deduplicate, together
     * @param settings the threads, dry run and listener
     * @return what was found and deduplicated, and what failed
     * @throws ReflinkFailedException      a file system that cannot dedupe (ext4, tmpfs), at its first request
     * @throws ReflinkUnsupportedException off Linux or for a path of a non-default file system
     * @throws java.io.InterruptedIOException when the calling thread is interrupted: the work stops
     *                                     between two directories of the listing or two requests,
     *                                     nothing more is changed, every descriptor is closed, and the
     *                                     thread's interrupt status is set again
     */
    public static TreeDedupeSummary dedupeTree(List<Path> roots, TreeDedupe settings) throws IOException {
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(settings, "settings");
        List<Path> platform = new ArrayList<>();
        for (Path root : roots) {
            platform.add(platformPath(Objects.requireNonNull(root, "root")));
        }
        return TreeDeduplicator.dedupe(platform, settings);
    }

    /**
     * Wraps a path so that {@code Files.copy} with it clones: the result is a path of a
     * {@link ReflinkFileSystem} around the path's file system (mode AUTO), and every path
     * derived from it is one too. Works for any file system; on one other than the platform's
     * (Jimfs, a zip file system), ALWAYS throws {@link ReflinkUnsupportedException} and AUTO and
     * NEVER copy through that file system.
     *
     * <pre>{@code
     * Path source = Reflink.wrap(Path.of("/data/vm.img"));
     * Files.copy(source, source.resolveSibling("vm-copy.img"));                  // AUTO: clones on btrfs
     * Files.copy(source, source.resolveSibling("vm-2.img"), ReflinkCopyOption.ALWAYS);
     * }</pre>
     *
     * <p>Both paths of a {@code Files.copy} must be wrapped: between a wrapped and a plain path
     * the JDK copies through streams without asking reflink4j.
     *
     * @param path any path of any file system
     * @return the same path on the {@link ReflinkFileSystem} around its file system
     */
    public static Path wrap(Path path) {
        if (path instanceof ReflinkPath) {
            return path;
        }
        return wrap(path.getFileSystem()).wrap(path);
    }

    /**
     * The {@link ReflinkFileSystem} around {@code fileSystem} (one per file system); see {@link #wrap(Path)}.
     *
     * @param fileSystem the file system to wrap
     * @return the reflink file system around it
     */
    public static ReflinkFileSystem wrap(FileSystem fileSystem) {
        return ReflinkFileSystemProvider.installed().wrap(fileSystem);
    }

    /**
     * Whether files in {@code directory} can be cloned, found by really cloning a scratch file
     * there (removed again); the answer is cached per file store.
     *
     * @param directory an existing directory
     * @return true if a file there can be cloned to another there
     * @throws java.nio.file.NotDirectoryException when {@code directory} is not a directory
     */
    public static boolean isSupported(Path directory) throws IOException {
        Objects.requireNonNull(directory, "directory");
        return SupportProbe.isSupported(platformPath(directory));
    }

    /**
     * How reflink4j reaches the kernel in this JVM: {@code "java.lang.foreign"} on JDK 22 and
     * later, {@code "jnr-ffi"} on JDK 17-21 (or when asked for). The system property
     * {@code reflink4j.binding} or the environment variable {@code REFLINK4J_BINDING} picks one:
     * {@code foreign}, {@code jnr} or {@code auto} (the default). Empty when none could load (not
     * 64-bit Linux, native access denied, a binding asked for that this JVM lacks): then
     * {@code ALWAYS} fails and {@code AUTO} copies the way {@code Files.copy} does.
     *
     * <pre>{@code
     * System.err.println("reflink4j through " + Reflink.nativeBinding().orElse("no native binding"));
     * }</pre>
     *
     * @return {@code "java.lang.foreign"}, {@code "jnr-ffi"}, or empty
     */
    public static Optional<String> nativeBinding() {
        return Optional.ofNullable(CopyEngine.nativeBinding());
    }

    /**
     * Removes what killed copies left in {@code directory}: the temporary files
     * ({@code .NAME.reflink4j-XXXXXXXXXXXX.tmp}) of replacements that never finished. Only
     * regular files under exactly that pattern that no live copy holds (a copy keeps its
     * temporary file locked with flock while it has it open) and that have not changed for a
     * few seconds are removed; links, directories and everything else are left alone.
     * {@link #copyTree} does this itself in each target directory that already existed.
     *
     * <pre>{@code
     * for (Path p : Reflink.removeLeftovers(Path.of("/srv/images"))) {
     *     System.err.println("removed " + p + ", left by an interrupted copy");
     * }
     * }</pre>
     *
     * @param directory the directory to clean
     * @return the paths removed
     * @throws ReflinkUnsupportedException off Linux or for a path of a non-default file system
     */
    public static List<Path> removeLeftovers(Path directory) throws IOException {
        Objects.requireNonNull(directory, "directory");
        return Leftovers.removeIn(platformPath(directory));
    }

    /**
     * As {@link #removeLeftovers(Path)}, never removing the files {@code spared} names (compared
     * by device and inode): a tool passes the paths its user named, who may be copying a leftover
     * on purpose, to recover what a killed copy wrote.
     *
     * @param directory the directory to clean
     * @param spared files never to remove, though they look like leftovers
     * @return the paths removed
     * @throws IOException when the directory cannot be listed
     */
    public static List<Path> removeLeftovers(Path directory, Collection<Path> spared) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(spared, "spared");
        List<Path> platform = new ArrayList<>();
        for (Path path : spared) {
            platform.add(platformPath(Objects.requireNonNull(path, "spared path")));
        }
        return Leftovers.removeIn(platformPath(directory), platform);
    }

    private static CopyResult copyIn(ReflinkCopyOption mode, Path source, Path target, CopyOption... options)
            throws IOException {
        CopyRequest request = CopyRequest.parse(mode, options);
        if (request.mode() != mode) {
            throw new IllegalArgumentException(mode.name().toLowerCase(java.util.Locale.ROOT)
                    + "() does not take ReflinkCopyOption." + request.mode().name());
        }
        return CopyEngine.copy(platformPath(source), platformPath(target), request);
    }

    /** Reflink paths enter the engine as the paths they wrap. */
    private static Path platformPath(Path path) {
        return ReflinkFileSystemProvider.unwrapAny(path);
    }
}

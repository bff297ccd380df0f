package io.github.reflink4j.tests;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFileSystem;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NIO contract a user relies on, kept by the wrapper: every path handed out is a path of the
 * wrapper, equality and URIs behave, the delegate's exceptions come through unchanged in type.
 * Subclasses supply the wrapped directory (a real file system, Jimfs).
 */
abstract class ProviderConformanceTest extends RealFileSystemTest {
    protected Path root;

    /** An empty directory, as a path of a reflink file system. */
    protected abstract Path createWrappedDirectory() throws IOException;

    @BeforeEach
    void createRoot() throws IOException {
        root = createWrappedDirectory();
        assertInstanceOf(ReflinkFileSystem.class, root.getFileSystem());
    }

    private FileSystem fs() {
        return root.getFileSystem();
    }

    @Test
    void derivedPaths_areWrapped_andEqualWhenTheirDelegatesAre() {
        Path file = root.resolve("a/b/../c.txt");
        List<Path> derived = List.of(
                file.getParent(),
                file.getFileName(),
                file.normalize(),
                file.toAbsolutePath(),
                file.getRoot(),
                file.subpath(0, 1),
                file.getName(0),
                file.resolveSibling("d"),
                root.relativize(file),
                fs().getPath(file.toString()));
        for (Path path : derived) {
            assertSame(fs(), path.getFileSystem(), path.toString());
        }
        assertEquals(fs().getPath(file.toString()), file);
        assertEquals(fs().getPath(file.toString()).hashCode(), file.hashCode());
        assertEquals(file.normalize(), root.resolve("a/c.txt"));
        assertTrue(file.startsWith(root) && file.endsWith("c.txt"));
        assertEquals(0, file.compareTo(fs().getPath(file.toString())));
        List<Path> elements = new ArrayList<>();
        file.forEach(elements::add);
        assertEquals(root.getNameCount() + 4, elements.size(), elements.toString());
        assertEquals(
                List.of("a", "b", "..", "c.txt"),
                elements.subList(root.getNameCount(), elements.size()).stream()
                        .map(Path::toString)
                        .toList());
        assertTrue(elements.stream().allMatch(element -> element.getFileSystem() == fs()), elements.toString());
    }

    /** {@link Path#toUri()}'s contract: {@code Path.of(p.toUri())} gives back a wrapped path equal to {@code p}. */
    @Test
    void nonAsciiNames_roundTripThroughTheUri() throws IOException {
        Path file = Files.writeString(root.resolve("naïve café €.txt"), "x");

        Path back = Path.of(file.toUri());

        assertEquals(file, back, file.toUri().toString());
        assertSame(fs(), back.getFileSystem());
        assertEquals("x", Files.readString(back));
    }

    @Test
    void directoryStreams_andWalk_handOutWrappedPaths_andFiltersSeeThem() throws IOException {
        Files.createDirectories(root.resolve("d/e"));
        Files.writeString(root.resolve("d/e/f.txt"), "f");
        Files.writeString(root.resolve("d/g.log"), "g");

        List<Path> logs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve("d"), "*.log")) {
            stream.forEach(logs::add);
        }
        assertEquals(List.of(root.resolve("d/g.log")), logs);
        assertSame(fs(), logs.get(0).getFileSystem());
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> all = walk.toList();
            assertEquals(5, all.size(), all.toString());
            assertTrue(all.stream().allMatch(p -> p.getFileSystem() == fs()));
            assertTrue(all.contains(root.resolve("d/e/f.txt")));
        }
    }

    @Test
    void attributes_sameFile_links_andChannels_workThroughTheWrapper() throws IOException {
        Path file = Files.writeString(root.resolve("file"), "hello");
        Path link = Files.createSymbolicLink(root.resolve("link"), file.getFileName());
        FileTime time = FileTime.fromMillis(1_000_000_000_000L);

        Files.getFileAttributeView(file, BasicFileAttributeView.class).setTimes(time, null, null);

        assertEquals(time, Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime());
        assertEquals(5L, Files.getAttribute(file, "basic:size"));
        assertTrue(Files.isSameFile(file, root.resolve("./file")));
        assertFalse(Files.isSameFile(file, Path.of("/")));
        assertEquals(file.getFileName(), Files.readSymbolicLink(link));
        assertSame(fs(), Files.readSymbolicLink(link).getFileSystem());
        assertSame(fs(), link.toRealPath().getFileSystem());
        try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(" world".getBytes()));
        }
        try (FileChannel channel = FileChannel.open(file)) {
            assertEquals(11, channel.size());
        }
        assertEquals("hello world", Files.readString(file));
    }

    @Test
    void move_isTheDelegates_andStripsReflinkOptions() throws IOException {
        Path file = Files.writeString(root.resolve("from"), "moved");

        Files.move(file, root.resolve("to"), ReflinkCopyOption.AUTO, StandardCopyOption.ATOMIC_MOVE);

        assertFalse(Files.exists(file));
        assertEquals("moved", Files.readString(root.resolve("to")));
    }

    @Test
    void theDelegatesExceptions_comeThroughUnchangedInType() throws IOException {
        Files.createDirectory(root.resolve("dir"));
        Files.writeString(root.resolve("dir/x"), "x");

        assertThrows(NoSuchFileException.class, () -> Files.readString(root.resolve("absent")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(root.resolve("dir")));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(root.resolve("dir")));
        assertThrows(NoSuchFileException.class, () -> Files.copy(root.resolve("absent"), root.resolve("y")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.copy(root.resolve("dir/x"), root.resolve("dir")));
        assertThrows(
                UnsupportedOperationException.class,
                () -> Files.copy(root.resolve("dir/x"), root.resolve("z"), StandardCopyOption.ATOMIC_MOVE));
    }

    @Test
    void copy_ofDirectoriesAndLinks_isTheDelegates() throws IOException {
        Files.createDirectory(root.resolve("dir"));
        Files.writeString(root.resolve("dir/x"), "x");
        Path link = Files.createSymbolicLink(
                root.resolve("link"), root.resolve("dir/x").getFileName());

        Files.copy(root.resolve("dir"), root.resolve("dir-copy"));
        Files.copy(link, root.resolve("link-copy"), java.nio.file.LinkOption.NOFOLLOW_LINKS);

        try (Stream<Path> entries = Files.list(root.resolve("dir-copy"))) {
            assertEquals(0, entries.count());
        }
        assertTrue(Files.isSymbolicLink(root.resolve("link-copy")));
    }

    @Test
    void resolvingAPlainPath_isAProviderMismatch_thatNamesTheFix() {
        Path plain = Path.of("plain");
        ProviderMismatchException e = assertThrows(ProviderMismatchException.class, () -> root.resolve(plain));
        assertTrue(e.getMessage().contains("Reflink.wrap"), e.getMessage());
    }

    @Test
    void mixedCopy_withAReflinkOption_isRefusedByTheJdkNamingTheOption_andCopiesNothing() throws IOException {
        Path source = Files.writeString(root.resolve("source"), "data");
        Path plainTarget = Path.of(System.getProperty("java.io.tmpdir"), "reflink4j-mixed-" + System.nanoTime());

        UnsupportedOperationException e = assertThrows(
                UnsupportedOperationException.class, () -> Files.copy(source, plainTarget, ReflinkCopyOption.ALWAYS));

        assertTrue(e.getMessage().contains("ALWAYS"), e.getMessage());
        assertFalse(Files.exists(plainTarget));
    }

    @Test
    void watchService_reportsWrappedPaths() throws Exception {
        try (WatchService watcher = fs().newWatchService()) {
            WatchKey key = root.register(watcher, ENTRY_CREATE);
            assertEquals(root, key.watchable());
            Files.writeString(root.resolve("created"), "x");

            WatchKey signalled = watcher.poll(10, TimeUnit.SECONDS);
            assertNotNull(signalled, "no event within 10 s");
            assertSame(key, signalled);
            List<WatchEvent<?>> events = signalled.pollEvents();
            assertFalse(events.isEmpty());
            Path context = (Path) events.get(0).context();
            assertSame(fs(), context.getFileSystem());
            assertEquals("created", context.toString());
        }
    }

    @Test
    void pathsOfTwoWrappers_areNeverEqual() {
        assertNotEquals(Path.of(root.toString()), root);
        assertNotEquals(root, Path.of(root.toString()));
    }
}

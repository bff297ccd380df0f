package io.github.reflink4j.tests.differential;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.Reflink;

/**
 * Runs the {@link Corpus} on one variant of a file system and prints one line per operation:
 * {@code name => outcome [| listing]}. Run in a JVM of its own per variant, so that the JVM's
 * default provider can be reflink4j's, and as another user where permissions are tested.
 *
 * <p>Arguments: the variant ({@link Variant}) and, for real file systems, a directory to work in.
 */
public final class DifferentialMain {
    /** How the file system under test is reached. */
    public enum Variant {
        /** The platform's own paths: the reference. */
        PLATFORM,
        /** {@code Reflink.wrap(path)}. */
        WRAP,
        /** {@code Path.of(URI.create("reflink:///..."))}. */
        SCHEME,
        /** The JVM's default provider is reflink4j's; plain {@code Path.of(...)}. */
        DEFAULT_PROVIDER,
        /** A Jimfs file system: the reference for the next. */
        JIMFS,
        /** {@code Reflink.wrap(jimfs)}. */
        JIMFS_WRAPPED;

        boolean onJimfs() {
            return this == JIMFS || this == JIMFS_WRAPPED;
        }
    }

    private DifferentialMain() {}

    public static void main(String[] args) throws Exception {
        Variant variant = Variant.valueOf(args[0]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Path base = base(variant, args.length > 1 ? args[1] : null);
        out.println("# provider " + base.getFileSystem().provider().getClass().getName() + " default "
                + FileSystems.getDefault().provider().getClass().getName());
        Describe describe = new Describe(base);
        Path nonUtf8 = variant.onJimfs() ? null : Fixture.makeNonUtf8File(base.resolve("template"));
        Path shared = base.resolve("shared");
        Fixture sharedFixture = Fixture.create(shared, nonUtf8);
        List<Corpus.Operation> operations = Corpus.all(!variant.onJimfs());
        int number = 0;
        for (Corpus.Operation operation : operations) {
            if (operation.name().equals("close")) {
                // the queries on the shared fixture changed nothing; after close it cannot be listed everywhere
                out.println("shared fixture before close => " + describe.text(Fixture.listing(shared)));
            }
            Fixture fixture = sharedFixture;
            Path fresh = base.resolve("op" + number++);
            if (operation.changes()) {
                fixture = Fixture.create(fresh, nonUtf8);
            }
            String outcome;
            try {
                outcome = describe.outcome(operation.action().run(fixture));
            } catch (Throwable e) {
                outcome = describe.thrown(e);
            }
            if (operation.changes()) {
                outcome += " | " + describe.text(Fixture.listing(fresh));
                Fixture.delete(fresh);
            }
            out.println(Describe.escape(operation.name()) + " => " + outcome);
        }
        out.println("# end");
        out.flush();
    }

    private static Path base(Variant variant, String directory) throws Exception {
        switch (variant) {
            case PLATFORM, DEFAULT_PROVIDER:
                return Path.of(directory);
            case WRAP:
                return Reflink.wrap(Path.of(directory));
            case SCHEME:
                return Path.of(
                        URI.create("reflink://" + Path.of(directory).toUri().getRawPath()));
            default:
                FileSystem jimfs = Jimfs.newFileSystem(
                        "differential",
                        Configuration.unix().toBuilder()
                                .setAttributeViews("basic", "owner", "posix", "unix")
                                .build());
                Path root = Files.createDirectories(jimfs.getPath("/work"));
                return variant == Variant.JIMFS ? root : Reflink.wrap(root);
        }
    }
}

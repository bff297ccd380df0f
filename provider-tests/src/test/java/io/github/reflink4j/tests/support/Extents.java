package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An outside witness of block sharing: the extents {@code filefrag -v} (e2fsprogs, through
 * FIEMAP) reports, with their flags. A clone is proven when every extent of the copy is
 * {@code shared}; never by timing or by the library's own word.
 *
 * <p>A witness that cannot be read proves nothing, so every question fails loudly (an
 * AssertionError carrying filefrag's output) when a line of the extent table does not parse,
 * when the table and filefrag's count disagree, or when a non-empty file shows no extent at all.
 * Only tmpfs, which has no FIEMAP and cannot share, answers without extents.
 */
public final class Extents {
    /** "   3:     100..     109:   123456..   123465:     10:     123400: last,shared,eof". */
    private static final Pattern EXTENT = Pattern.compile(
            "^\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):\\s+\\d+\\.\\.\\s*\\d+:\\s+(\\d+):\\s*(?:\\d+:)?\\s*([a-z_,]*)$");

    private static final Pattern HEADER = Pattern.compile("^\\s*ext:\\s+logical_offset:.*flags:$");
    private static final Pattern COUNT = Pattern.compile("^.*: (\\d+) extents? found$");
    private static final String UNSUPPORTED = "FIBMAP/FIEMAP unsupported";

    /** One extent: logical block range and its flags. */
    public record Extent(long firstBlock, long lastBlock, String flags) {
        public boolean shared() {
            return Arrays.asList(flags.split(",")).contains("shared");
        }
    }

    /** What filefrag said of one file: whether it could map it at all, and the extents. */
    private record Report(Path file, boolean mapped, List<Extent> extents, String output) {
        /** The extents, after checking that a file with data shows some. */
        List<Extent> ofData() {
            if (extents.isEmpty() && size(file) > 0) {
                throw new AssertionError("filefrag -v shows no extent for the " + size(file) + "-byte " + file
                        + ", so it cannot tell what is shared:\n" + output);
            }
            return extents;
        }
    }

    private Extents() {}

    /** The extents; none on tmpfs, which has no FIEMAP (and where nothing can be shared). */
    public static List<Extent> of(Path file) {
        return read(file).extents();
    }

    /** True when the file has data extents and every one of them is shared; false on tmpfs and for an empty file. */
    public static boolean allShared(Path file) {
        Report report = read(file);
        if (!report.mapped() || size(file) == 0) {
            return false;
        }
        return report.ofData().stream().allMatch(Extent::shared);
    }

    /** True when no extent of the file is shared (always on tmpfs, and for an empty file). */
    public static boolean noneShared(Path file) {
        Report report = read(file);
        return !report.mapped() || report.ofData().stream().noneMatch(Extent::shared);
    }

    /** Whether the 4 KiB block {@code block} of the file lies in a shared extent; fails for a block in no extent. */
    public static boolean blockShared(Path file, long block) {
        Report report = read(file);
        if (!report.mapped()) {
            return false;
        }
        return report.ofData().stream()
                .filter(e -> e.firstBlock() <= block && block <= e.lastBlock())
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "block " + block + " of " + file + " lies in no extent filefrag reports:\n" + report.output()))
                .shared();
    }

    private static Report read(Path file) {
        String output;
        try {
            output = run("filefrag", "-s", "-v", "-b4096", file.toString());
        } catch (AssertionError e) {
            if (e.getMessage().contains(UNSUPPORTED) && "tmpfs".equals(fileSystemType(file))) {
                return new Report(file, false, List.of(), e.getMessage());
            }
            throw e;
        }
        return new Report(file, true, parse(output), output);
    }

    /** The extent table of {@code filefrag -v}: every line between its header and the count must parse. */
    static List<Extent> parse(String output) {
        List<Extent> extents = new ArrayList<>();
        boolean inTable = false;
        for (String line : output.split("\n")) {
            Matcher count = COUNT.matcher(line);
            if (count.matches()) {
                int found = Integer.parseInt(count.group(1));
                if ((found == 0) != extents.isEmpty() || extents.size() < found) {
                    throw new AssertionError("filefrag counts " + found + " extents, the table lists " + extents.size()
                            + ":\n" + output);
                }
                return extents;
            }
            if (HEADER.matcher(line).matches()) {
                inTable = true;
            } else if (inTable) {
                Matcher m = EXTENT.matcher(line);
                if (!m.matches()) {
                    throw new AssertionError("cannot read this line of filefrag -v: '" + line + "' in:\n" + output);
                }
                long first = Long.parseLong(m.group(1));
                long last = Long.parseLong(m.group(2));
                if (last - first + 1 != Long.parseLong(m.group(3))) {
                    throw new AssertionError("an extent whose length is not its range: '" + line + "' in:\n" + output);
                }
                extents.add(new Extent(first, last, m.group(4)));
            }
        }
        throw new AssertionError("no 'N extents found' line in filefrag's output:\n" + output);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String fileSystemType(Path file) {
        try {
            return Files.getFileStore(file).type();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command, returns its output, fails on a non-zero exit. */
    public static String run(String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = process.waitFor();
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exit + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0] + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An outside witness of block sharing: the extents {@code filefrag -v} (e2fsprogs, through
 * FIEMAP) reports, with their flags. A clone is proven when every extent of the copy is
 * {@code shared}; never by timing or by the library's own word.
 */
public final class Extents {
    private static final Pattern EXTENT = Pattern.compile(
            "^\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):\\s+\\d*\\.*\\s*\\d*:?\\s+(\\d+):\\s*(.*)$");

    /** One extent: logical block range and its flags. */
    public record Extent(long firstBlock, long lastBlock, String flags) {
        public boolean shared() {
            return flags.contains("shared");
        }
    }

    private Extents() {
    }

    /** The extents; none on a file system without FIEMAP (tmpfs), where nothing can be shared. */
    public static List<Extent> of(Path file) {
        String output;
        try {
            output = run("filefrag", "-s", "-v", "-b4096", file.toString());
        } catch (AssertionError e) {
            if (e.getMessage().contains("FIBMAP/FIEMAP unsupported")) {
                return List.of();
            }
            throw e;
        }
        List<Extent> extents = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = EXTENT.matcher(line);
            if (m.matches()) {
                extents.add(new Extent(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(4).trim()));
            }
        }
        return extents;
    }

    /** True when the file has data extents and every one of them is shared. */
    public static boolean allShared(Path file) {
        List<Extent> extents = of(file);
        return !extents.isEmpty() && extents.stream().allMatch(Extent::shared);
    }

    /** True when no extent of the file is shared. */
    public static boolean noneShared(Path file) {
        return of(file).stream().noneMatch(Extent::shared);
    }

    /** Whether the 4 KiB block {@code block} of the file lies in a shared extent. */
    public static boolean blockShared(Path file, long block) {
        return of(file).stream().anyMatch(e -> e.firstBlock() <= block && block <= e.lastBlock() && e.shared());
    }

    /** Runs a command, returns its output, fails on a non-zero exit. */
    public static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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

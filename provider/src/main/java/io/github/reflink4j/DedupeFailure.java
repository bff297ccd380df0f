package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One file of a {@link Reflink#dedupeTree tree dedupe} that could not be read or deduplicated;
 * the other files were.
 *
 * <pre>{@code
 * for (DedupeFailure f : summary.failures()) {
 *     System.err.println(f.file() + (f.other() == null ? "" : " with " + f.other()) + ": " + f.error());
 * }
 * }</pre>
 *
 * @param file  the file that failed
 * @param other the file it was being deduplicated with, or null when it failed on its own (reading)
 * @param error why: a typed NIO exception naming the paths, the operation and the errno
 */
public record DedupeFailure(Path file, Path other, IOException error) {}

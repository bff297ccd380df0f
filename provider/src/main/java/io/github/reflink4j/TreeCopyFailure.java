package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One entry of a tree that could not be copied; the rest of the tree was.
 *
 * @param source the entry in the source tree
 * @param target where it was to go
 * @param error  why it failed
 */
public record TreeCopyFailure(Path source, Path target, IOException error) {}

package io.github.reflink4j.engine;

import java.nio.file.Path;
import java.util.function.Supplier;

/** A path computed once, when first asked for: most entries never need theirs. */
final class LazyPath implements Supplier<Path> {
    private Supplier<Path> compute;
    private Path path;

    LazyPath(Supplier<Path> compute) {
        this.compute = compute;
    }

    @Override
    public Path get() {
        if (path == null) {
            path = compute.get();
            compute = null;
        }
        return path;
    }
}

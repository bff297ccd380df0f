package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The wrapped file system's watch service, handing out keys whose {@code watchable()} and
 * event contexts are paths of the reflink file system.
 */
final class ReflinkWatchService implements WatchService {
    private final ReflinkFileSystem fileSystem;
    private final WatchService delegate;
    private final Map<WatchKey, Key> keys = new ConcurrentHashMap<>();
    private volatile boolean open = true;

    ReflinkWatchService(ReflinkFileSystem fileSystem, WatchService delegate) {
        this.fileSystem = fileSystem;
        this.delegate = delegate;
    }

    ReflinkFileSystem fileSystem() {
        return fileSystem;
    }

    WatchService delegate() {
        return delegate;
    }

    boolean isOpen() {
        return open;
    }

    WatchKey wrap(WatchKey key) {
        return key == null ? null : keys.computeIfAbsent(key, Key::new);
    }

    @Override
    public void close() throws IOException {
        open = false;
        delegate.close();
    }

    @Override
    public WatchKey poll() {
        return wrap(delegate.poll());
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        return wrap(delegate.poll(timeout, unit));
    }

    @Override
    public WatchKey take() throws InterruptedException {
        return wrap(delegate.take());
    }

    private final class Key implements WatchKey {
        private final WatchKey key;

        Key(WatchKey key) {
            this.key = key;
        }

        @Override
        public boolean isValid() {
            return key.isValid();
        }

        @Override
        public List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> events = new ArrayList<>();
            for (WatchEvent<?> event : key.pollEvents()) {
                events.add(event.context() instanceof Path path ? new Event<>(event, fileSystem.wrap(path)) : event);
            }
            return events;
        }

        @Override
        public boolean reset() {
            return key.reset();
        }

        @Override
        public void cancel() {
            key.cancel();
            keys.remove(key);
        }

        @Override
        public Watchable watchable() {
            return key.watchable() instanceof Path path ? fileSystem.wrap(path) : key.watchable();
        }
    }

    private record Event<T>(WatchEvent<?> event, Path wrappedContext) implements WatchEvent<T> {
        @Override
        @SuppressWarnings("unchecked")
        public Kind<T> kind() {
            return (Kind<T>) event.kind();
        }

        @Override
        public int count() {
            return event.count();
        }

        @Override
        @SuppressWarnings("unchecked")
        public T context() {
            return (T) wrappedContext;
        }
    }
}

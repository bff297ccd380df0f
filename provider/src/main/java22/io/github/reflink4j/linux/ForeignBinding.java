package io.github.reflink4j.linux;

/**
 * The {@code java.lang.foreign} binding, in the multi-release jar's JDK 22 layer: present.
 * The base layer's class of the same name stands in for it on JDK 17-21.
 */
final class ForeignBinding {
    private ForeignBinding() {}

    /** Whether this JVM can use the binding: here, always. */
    static boolean isPresent() {
        return true;
    }

    static Syscalls load() {
        Syscalls loaded = ForeignSyscalls.load();
        ForeignSyscalls.prepareInBackground();
        return loaded;
    }
}

package io.github.reflink4j.linux;

/**
 * The {@code java.lang.foreign} binding as JDK 17-21 see it: absent. On JDK 22 and later the
 * multi-release jar's {@code META-INF/versions/22} holds the class of this name that loads it;
 * this one is what remains when it does not apply, or the jar was built without it.
 *
 * <pre>{@code
 * Syscalls sys = ForeignBinding.isPresent() ? ForeignBinding.load() : JnrSyscalls.load();
 * }</pre>
 */
final class ForeignBinding {
    private ForeignBinding() {}

    /** Whether this JVM can use the binding. */
    static boolean isPresent() {
        return false;
    }

    static Syscalls load() {
        int feature = Runtime.version().feature();
        throw new UnsupportedOperationException(
                feature < 22
                        ? "the java.lang.foreign binding needs JDK 22 or later, this is JDK " + feature
                        : "this reflink4j jar was built without its java.lang.foreign binding (its build found no JDK 22+)");
    }
}

package io.github.reflink4j.benchmarks;

/**
 * The floor of a JVM's start-up for {@code src/benchmarks.sh}: a whole process that prints one
 * line, run from the module's class directory on the same JDK as the command it is compared with.
 */
public final class Hello {
    private Hello() {}

    public static void main(String[] args) {
        System.out.println("hello");
    }
}

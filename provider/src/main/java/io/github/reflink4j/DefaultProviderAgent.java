package io.github.reflink4j;

/**
 * The entry point of the jar that installs reflink4j into any JVM program with one environment
 * variable, {@code reflink4j-VERSION-jvm.jar}: given as {@code -javaagent:}, the JVM appends the
 * jar to the program's class path before the program starts, so the class loader that the JDK
 * asks for {@code -Djava.nio.file.spi.DefaultFileSystemProvider} finds {@link ReflinkFileSystemProvider},
 * and the jar is read as the multi-release jar it is (the {@code java.lang.foreign} binding on
 * JDK 22 and later), which the boot class path ({@code -Xbootclasspath/a:}) does not do.
 *
 * <pre>{@code
 * export JAVA_TOOL_OPTIONS="-javaagent:/opt/reflink4j/reflink4j-0.1.0-jvm.jar \
 *   -Djava.nio.file.spi.DefaultFileSystemProvider=io.github.reflink4j.ReflinkFileSystemProvider \
 *   --enable-native-access=ALL-UNNAMED"
 * java -jar any-program.jar    # its Files.copy of regular files now clones on btrfs and xfs
 * }</pre>
 *
 * <p>The agent itself transforms no class and changes nothing: the provider is the JDK's to
 * load, through that property. It only speaks when the jar is installed without the property,
 * a mistake that would otherwise leave every copy the JDK's own without a word; then it prints
 * one line on stderr.
 */
public final class DefaultProviderAgent {
    /** The JDK's system property that names the default file system provider. */
    static final String DEFAULT_PROVIDER_PROPERTY = "java.nio.file.spi.DefaultFileSystemProvider";

    private DefaultProviderAgent() {}

    /**
     * Called by the JVM before the program's {@code main}, for {@code -javaagent:JAR[=ARGUMENTS]};
     * the arguments are not used.
     *
     * @param arguments what follows {@code =} in the option, or null
     */
    public static void premain(String arguments) {
        String providers = System.getProperty(DEFAULT_PROVIDER_PROPERTY, "");
        if (!java.util.Arrays.asList(providers.split(",")).contains(ReflinkFileSystemProvider.class.getName())) {
            System.err.println("reflink4j: the agent is installed but -D" + DEFAULT_PROVIDER_PROPERTY + "="
                    + ReflinkFileSystemProvider.class.getName() + " is not set, so Files.copy stays the JDK's own");
        }
    }
}

package io.github.reflink4j.engine;

import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.ReflinkCopyOption;

/**
 * The options of one copy, parsed once: the reflink mode and the {@code Files.copy} options it
 * accepts, with the same meaning. Parsing rejects what {@code Files.copy} rejects (null,
 * ATOMIC_MOVE, options it does not know) and a second, different reflink mode.
 *
 * @param mode            ALWAYS, AUTO or NEVER
 * @param replaceExisting REPLACE_EXISTING was given
 * @param copyAttributes  COPY_ATTRIBUTES was given
 * @param followLinks     NOFOLLOW_LINKS was not given
 */
public record CopyRequest(
        ReflinkCopyOption mode, boolean replaceExisting, boolean copyAttributes, boolean followLinks) {

    /**
     * Parses {@code options}; {@code defaultMode} applies when no ReflinkCopyOption is among them.
     *
     * @throws NullPointerException          if an option is null
     * @throws UnsupportedOperationException for ATOMIC_MOVE or an option Files.copy does not know
     * @throws IllegalArgumentException      for two different ReflinkCopyOptions
     */
    public static CopyRequest parse(ReflinkCopyOption defaultMode, CopyOption... options) {
        if (options == null) {
            throw new NullPointerException("options");
        }
        ReflinkCopyOption mode = null;
        boolean replace = false;
        boolean attributes = false;
        boolean follow = true;
        for (CopyOption option : options) {
            if (option == null) {
                throw new NullPointerException("a copy option is null");
            }
            if (option instanceof ReflinkCopyOption reflink) {
                if (mode != null && mode != reflink) {
                    throw new IllegalArgumentException(
                            "at most one ReflinkCopyOption per copy, got " + mode.name() + " and " + reflink.name());
                }
                mode = reflink;
            } else if (option == StandardCopyOption.REPLACE_EXISTING) {
                replace = true;
            } else if (option == StandardCopyOption.COPY_ATTRIBUTES) {
                attributes = true;
            } else if (option == LinkOption.NOFOLLOW_LINKS) {
                follow = false;
            } else if (isInterruptible(option)) {
                // accepted, as the platform provider accepts it: a clone is one system call
            } else if (option == null) {
                throw new NullPointerException();
            } else {
                throw new UnsupportedOperationException(
                        PLATFORM_COPY_SINCE_JDK_20 ? UNSUPPORTED + ": " + option : UNSUPPORTED);
            }
        }
        return new CopyRequest(mode == null ? defaultMode : mode, replace, attributes, follow);
    }

    /**
     * Whether the platform's Files.copy is JDK 20's, which moved into UnixFileSystem: it names an
     * option it does not know in its message, and opens the source before it looks at an
     * existing target (JDK 17 settles the target first). reflink4j follows whichever runs.
     */
    static final boolean PLATFORM_COPY_SINCE_JDK_20 = Runtime.version().feature() >= 20;

    private static final String UNSUPPORTED = "Unsupported copy option";

    /**
     * {@code com.sun.nio.file.ExtendedCopyOption.INTERRUPTIBLE} (module jdk.unsupported), known by
     * its names so that reflink4j needs no module beyond java.base for it.
     */
    private static boolean isInterruptible(CopyOption option) {
        return option instanceof Enum<?> constant
                && constant.getDeclaringClass().getName().equals("com.sun.nio.file.ExtendedCopyOption")
                && constant.name().equals("INTERRUPTIBLE");
    }

    /** The options as {@code Files.copy} takes them, without the reflink mode. */
    public CopyOption[] standardOptions() {
        List<CopyOption> standard = new ArrayList<>(3);
        if (replaceExisting) {
            standard.add(StandardCopyOption.REPLACE_EXISTING);
        }
        if (copyAttributes) {
            standard.add(StandardCopyOption.COPY_ATTRIBUTES);
        }
        if (!followLinks) {
            standard.add(LinkOption.NOFOLLOW_LINKS);
        }
        return standard.toArray(new CopyOption[0]);
    }

    /** The link options for reading the source's attributes. */
    public LinkOption[] linkOptions() {
        return followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    }
}

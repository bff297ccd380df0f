package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkException;

/**
 * Answers "can files in this directory be cloned?" by really cloning a scratch file there, once
 * per file store: mount options, kernel versions and btrfs nodatacow make any cheaper guess
 * (such as the file system's type) wrong somewhere.
 */
public final class SupportProbe {
    private static final Map<FileStore, Boolean> ANSWERS = new ConcurrentHashMap<>();
    private static final byte[] ONE_BLOCK = new byte[4096];

    static {
        for (int i = 0; i < ONE_BLOCK.length; i++) {
            ONE_BLOCK[i] = (byte) (i * 31 + 7);
        }
    }

    private SupportProbe() {}

    /** Whether a file written in {@code directory} can be cloned beside itself. */
    public static boolean isSupported(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new java.nio.file.NotDirectoryException(directory.toString());
        }
        if (CopyEngine.nativeRefusal(directory, directory) != null) {
            return false;
        }
        FileStore store = Files.getFileStore(directory);
        Boolean known = ANSWERS.get(store);
        if (known != null) {
            return known;
        }
        boolean answer = probe(directory);
        ANSWERS.put(store, answer);
        return answer;
    }

    private static boolean probe(Path directory) throws IOException {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        String stem = ".reflink4j-probe-" + HexFormat.of().formatHex(random);
        Path original = directory.resolve(stem + ".a");
        Path clone = directory.resolve(stem + ".b");
        try {
            Files.write(original, ONE_BLOCK, java.nio.file.StandardOpenOption.CREATE_NEW);
            CopyEngine.copy(original, clone, new CopyRequest(ReflinkCopyOption.ALWAYS, false, false, true));
            return true;
        } catch (ReflinkException e) {
            return false;
        } finally {
            Files.deleteIfExists(clone);
            Files.deleteIfExists(original);
        }
    }
}

package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file's extended attributes, ACLs and mode as the attr and acl tools report them, witnesses
 * outside the JVM. Their output is parsed strictly: a line that is not what the format allows
 * fails the test, so that a changed tool or a message on stdout cannot pass for an empty answer.
 */
public final class FileMetadata {
    private static final Pattern XATTR = Pattern.compile("([a-z]+\\.[^=]+)(?:=0x([0-9a-f]*))?");
    private static final Pattern ACL_ENTRY = Pattern.compile("(user|group|mask|other):([0-9]*):([r-][w-][x-])");

    private FileMetadata() {}

    /** Skips the test (with the reason) where getfattr or getfacl is missing. */
    public static void assumeTools() {
        if (Shell.exec("command -v getfattr && command -v getfacl && command -v setfattr && command -v setfacl")
                        .exitCode()
                != 0) {
            TestFileSystem.unavailable("getfattr/setfattr or getfacl/setfacl are missing "
                    + "(Debian packages attr and acl: apt-get install -y attr acl)");
        }
    }

    /**
     * Every extended attribute of the file itself (a link is not followed), whatever its
     * namespace, by name, with its value in hex: {@code getfattr -h -d -m - -e hex}.
     */
    public static Map<String, String> extendedAttributes(Path file) {
        String output = Shell.run("getfattr --absolute-names -h -d -m - -e hex -- \"$1\"", file.toString());
        Map<String, String> attributes = new TreeMap<>();
        List<String> lines = output.lines().toList();
        if (lines.isEmpty()) {
            return attributes;
        }
        assertEquals("# file: " + file, lines.get(0), "getfattr's first line");
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher matcher = XATTR.matcher(line);
            if (!matcher.matches()) {
                fail("getfattr printed a line that is no attribute: '" + line + "' in:\n" + output);
            }
            attributes.put(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2));
        }
        return attributes;
    }

    /** The access ACL, one entry a string such as {@code user:65534:rw-}, ids numeric: {@code getfacl -a}. */
    public static List<String> accessAcl(Path file) {
        return acl(file, "-a");
    }

    /** A directory's default ACL, empty where it has none: {@code getfacl -d}. */
    public static List<String> defaultAcl(Path file) {
        return acl(file, "-d");
    }

    private static List<String> acl(Path file, String which) {
        String output = Shell.run("getfacl -c -n -E -p " + which + " -- \"$1\"", file.toString());
        List<String> entries = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.isEmpty()) {
                continue;
            }
            if (!ACL_ENTRY.matcher(line).matches()) {
                fail("getfacl printed a line that is no ACL entry: '" + line + "' in:\n" + output);
            }
            entries.add(line);
        }
        return entries;
    }

    /** Permission bits with setuid, setgid and sticky, of the file itself. */
    public static int mode(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}

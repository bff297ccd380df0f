package io.github.reflink4j.engine;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns platform paths into the bytes the kernel knows them by, and names read from directories
 * back into paths, without loss. The JDK encodes a path with the {@code sun.jnu.encoding} charset
 * and keeps bytes that charset cannot decode, but its {@code toString()} replaces them; so a path
 * whose string round-trips through that charset is encoded directly (the common, fast case), and
 * any other goes through {@link Path#toUri()}, which percent-encodes the raw bytes.
 */
final class NativePaths {
    private static final Charset JNU = jnuCharset();
    private static final char REPLACEMENT = '\uFFFD';

    private NativePaths() {}

    private static Charset jnuCharset() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** The bytes of a platform path, as the JDK passes them to the kernel; relative stays relative. */
    static byte[] bytes(Path path) {
        String text = path.toString();
        if (text.indexOf(REPLACEMENT) < 0) {
            byte[] encoded = encode(text);
            if (encoded != null) {
                return encoded;
            }
        }
        return uriBytes(path);
    }

    /** The parent directory's bytes ("." for a bare name) and the last name's, of a platform path. */
    static byte[][] split(byte[] path) {
        int end = path.length;
        while (end > 1 && path[end - 1] == '/') {
            end--;
        }
        int slash = end - 1;
        while (slash >= 0 && path[slash] != '/') {
            slash--;
        }
        byte[] name = Arrays.copyOfRange(path, slash + 1, end);
        byte[] parent = slash < 0 ? new byte[] {'.'} : slash == 0 ? new byte[] {'/'} : Arrays.copyOf(path, slash);
        return new byte[][] {parent, name};
    }

    /** {@code directory.resolve(name)} for a name given as raw bytes. */
    static Path resolve(Path directory, byte[] name) {
        String decoded = decode(name);
        if (decoded != null) {
            return directory.resolve(decoded);
        }
        try {
            String base = directory.toAbsolutePath().toUri().getRawPath();
            StringBuilder uri = new StringBuilder(base.length() + name.length * 3 + 1).append(base);
            if (uri.charAt(uri.length() - 1) != '/') {
                uri.append('/');
            }
            for (byte b : name) {
                int c = b & 0xff;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                    uri.append((char) c);
                } else {
                    uri.append('%')
                            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
                }
            }
            return Path.of(new URI("file://" + uri));
        } catch (URISyntaxException | RuntimeException e) {
            // not reachable for a name of a platform directory; keep a readable, if lossy, name
            return directory.resolve(new String(name, JNU));
        }
    }

    /** A name for messages: decoded where it can be, with undecodable bytes replaced. */
    static String display(byte[] name) {
        return new String(name, JNU);
    }

    private static byte[] encode(String text) {
        try {
            ByteBuffer encoded = JNU.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            return Arrays.copyOf(encoded.array(), encoded.limit());
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String decode(byte[] name) {
        boolean ascii = true;
        for (byte b : name) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(name, StandardCharsets.ISO_8859_1);
        }
        try {
            String decoded = JNU.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(name))
                    .toString();
            return decoded.indexOf(REPLACEMENT) < 0 && Arrays.equals(encode(decoded), name) ? decoded : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] uriBytes(Path path) {
        String raw = path.toAbsolutePath().toUri().getRawPath();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        byte[] result = bytes.toByteArray();
        int end = result.length;
        while (end > 1 && result[end - 1] == '/') {
            end--; // toUri() marks a directory with a trailing slash
        }
        return end == result.length ? result : Arrays.copyOf(result, end);
    }
}

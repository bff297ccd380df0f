package io.github.reflink4j;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import io.github.reflink4j.engine.CopyRequest;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.Syscalls;
import org.junit.jupiter.api.Test;

/** Options are parsed once, and rejected as Files.copy rejects them, before anything is touched. */
class OptionsAndArgumentsTest {
    private static final Path NOWHERE = Path.of("/nonexistent/reflink4j/source");

    @Test
    void noModeOption_meansTheDefaultMode_standardOptionsAreKept() {
        CopyRequest request =
                CopyRequest.parse(ReflinkCopyOption.AUTO, REPLACE_EXISTING, COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        assertEquals(new CopyRequest(ReflinkCopyOption.AUTO, true, true, false), request);
        assertArrayEquals(
                new CopyOption[] {REPLACE_EXISTING, COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS},
                request.standardOptions());
    }

    @Test
    void reflinkModeIsStrippedFromTheStandardOptions() {
        CopyRequest request = CopyRequest.parse(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER, REPLACE_EXISTING);
        assertEquals(ReflinkCopyOption.NEVER, request.mode());
        assertArrayEquals(new CopyOption[] {REPLACE_EXISTING}, request.standardOptions());
    }

    @Test
    void twoDifferentModes_areAnIllegalArgument_theSameTwiceIsNot() {
        assertThrows(
                IllegalArgumentException.class,
                () -> Reflink.copy(NOWHERE, NOWHERE, ReflinkCopyOption.ALWAYS, ReflinkCopyOption.NEVER));
        assertEquals(
                ReflinkCopyOption.NEVER,
                CopyRequest.parse(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER, ReflinkCopyOption.NEVER)
                        .mode());
    }

    @Test
    void alwaysAndAuto_rejectAContradictingMode() {
        assertThrows(IllegalArgumentException.class, () -> Reflink.always(NOWHERE, NOWHERE, ReflinkCopyOption.NEVER));
        assertThrows(IllegalArgumentException.class, () -> Reflink.auto(NOWHERE, NOWHERE, ReflinkCopyOption.ALWAYS));
    }

    @Test
    void atomicMove_orAnUnknownOption_isUnsupported_nullIsANullPointer() {
        assertThrows(UnsupportedOperationException.class, () -> Reflink.copy(NOWHERE, NOWHERE, ATOMIC_MOVE));
        assertThrows(UnsupportedOperationException.class, () -> Reflink.copy(NOWHERE, NOWHERE, new CopyOption() {}));
        assertThrows(NullPointerException.class, () -> Reflink.copy(NOWHERE, NOWHERE, (CopyOption) null));
        assertThrows(NullPointerException.class, () -> Reflink.copy(null, NOWHERE));
    }

    @Test
    void errnoVocabulary_hasLinuxValues_andNamesUnknownOnesByNumber() {
        assertEquals(95, Errno.EOPNOTSUPP.value());
        assertEquals(18, Errno.EXDEV.value());
        assertEquals(Errno.ENOSPC, Errno.of(28));
        assertEquals("Operation not supported (EOPNOTSUPP, errno 95)", Errno.describe(95));
        assertEquals("errno 200", Errno.describe(200));
    }

    @Test
    void nativeBinding_loadsOnLinux() {
        assertTrue(Syscalls.isAvailable(), () -> "binding failed: " + Syscalls.unavailableReason());
        assertFalse(Syscalls.unavailableReason() != null);
    }

    @Test
    void copyResult_rejectsImpossibleFigures() {
        assertThrows(IllegalArgumentException.class, () -> new CopyResult(CopyMethod.CLONE, 5, 6));
        assertThrows(IllegalArgumentException.class, () -> new CopyResult(CopyMethod.CLONE, -1, 0));
        assertEquals(4, new CopyResult(CopyMethod.COPY_FILE_RANGE, 10, 6).copiedBytes());
    }
}

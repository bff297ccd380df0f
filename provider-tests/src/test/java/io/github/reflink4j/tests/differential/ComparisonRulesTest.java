package io.github.reflink4j.tests.differential;

import static io.github.reflink4j.tests.differential.DifferentialConformanceTest.same;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The rules by which the differential test calls two outcomes the same: what they let through, and what not. */
class ComparisonRulesTest {

    @Test
    void aFileSystemException_mayNameTheOtherFile_andSayMoreInItsReason_butNotAnotherFile() {
        String platform = "throws java.nio.file.NoSuchFileException(file=$BASE/a, other=null, reason=null) | x=file";
        assertTrue(same(
                platform,
                "throws java.nio.file.NoSuchFileException(file=$BASE/a, other=$BASE/b, "
                        + "reason=openat(O_CREAT|O_EXCL): No such file or directory (ENOENT, errno 2)) | x=file"));
        assertFalse(same(
                platform,
                "throws java.nio.file.NoSuchFileException(file=$BASE/b, other=null, reason=null)" + " | x=file"));
        assertFalse(same(
                platform,
                "throws java.nio.file.AccessDeniedException(file=$BASE/a, other=null, " + "reason=null) | x=file"));
    }

    @Test
    void aFileSystemExceptionsReason_mustContainThePlatforms() {
        String platform = "throws java.nio.file.FileSystemException(file=$BASE/l, other=null, "
                + "reason=Too many levels of symbolic links or unable to access attributes of symbolic link)";
        assertTrue(same(
                platform,
                "throws java.nio.file.FileSystemException(file=$BASE/l, other=$BASE/t, "
                        + "reason=statx: Too many levels of symbolic links (ELOOP, errno 40))"));
        assertFalse(same(
                platform,
                "throws java.nio.file.FileSystemException(file=$BASE/l, other=null, "
                        + "reason=openat: Not a directory (ENOTDIR, errno 20))"));
    }

    @Test
    void theCause_isCompared() {
        String platform = "throws java.io.UncheckedIOException(java.nio.file.AccessDeniedException: $BASE/x) "
                + "caused by throws java.nio.file.AccessDeniedException(file=$BASE/x, other=null, reason=null)";
        assertFalse(
                same(
                        platform,
                        "throws java.io.UncheckedIOException(java.nio.file.AccessDeniedException: "
                                + "$BASE/x) caused by throws java.nio.file.NoSuchFileException(file=$BASE/x, other=null, reason=null)"));
        assertFalse(
                same(platform, "throws java.io.UncheckedIOException(java.nio.file.AccessDeniedException: $BASE/x)"));
    }

    @Test
    void otherMessages_areCompared_exceptTheJvmsAndReflink4jsAdvice() {
        assertFalse(same(
                "throws java.lang.IllegalArgumentException(Path component should be '/')",
                "throws java.lang.IllegalArgumentException(anything else)"));
        assertTrue(same(
                "throws java.nio.file.ProviderMismatchException(null)",
                "throws java.nio.file.ProviderMismatchException(expected a reflink path, got ...)"));
        assertTrue(same("throws java.lang.NullPointerException", "throws java.lang.NullPointerException"));
    }

    @Test
    void resultsAndListings_mustBeEqual() {
        assertFalse(same("true", "false"));
        assertFalse(same("path($BASE/a) | a=file:rw-------", "path($BASE/a) | a=file:rw-r--r--"));
        assertFalse(same("throws java.io.IOException(x) | a=file", "throws java.io.IOException(x)"));
    }
}

package io.github.reflink4j.engine;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder event of one file copy: which paths, how the data moved, how many
 * bytes, how long it took, and, when a clone was refused and the copy fell back, the errno the
 * kernel gave. Enabled by default in any recording; {@code jfr print --events
 * io.github.reflink4j.Copy recording.jfr} lists them. Only {@link CopyEvents} touches this class,
 * and only where the {@code jdk.jfr} module is present.
 */
@Name(CopyEvent.NAME)
@Label("Reflink Copy")
@Category({"reflink4j"})
@Description("One file copy by reflink4j: cloned (sharing the source's blocks) or copied, and why")
@StackTrace(false)
final class CopyEvent extends jdk.jfr.Event {
    static final String NAME = "io.github.reflink4j.Copy";

    @Label("Source")
    @Description("The file copied from")
    String source;

    @Label("Target")
    @Description("The file copied to")
    String target;

    @Label("Mode")
    @Description("AUTO (clone, else copy), ALWAYS (clone or fail) or NEVER (copy)")
    String mode;

    @Label("Method")
    @Description("How the data moved: CLONE, COPY_FILE_RANGE, READ_WRITE, or NONE when nothing had to move")
    String method;

    @Label("Bytes")
    @Description("The bytes the target received, holes included")
    @DataAmount
    long bytes;

    @Label("Cloned Bytes")
    @Description("Of those, the bytes that share the source's blocks")
    @DataAmount
    long clonedBytes;

    @Label("Fallback Errno")
    @Description("The errno of the refused clone this copy fell back from; 0 when none was refused")
    int fallbackErrno;

    @Label("Fallback Errno Name")
    @Description("The symbolic name of that errno, such as EXDEV or EOPNOTSUPP")
    String fallbackErrnoName;

    @Label("Fallback Reason")
    @Description("Why the copy did not clone: the refused call and its error, or why no native call was made")
    String fallbackReason;

    @Label("Failure")
    @Description("The exception the copy failed with; absent when it succeeded")
    String failure;
}

/**
 * reflink4j: copy-on-write file clones for Java. The API and the file system provider are in
 * {@code io.github.reflink4j}; {@code io.github.reflink4j.engine} and
 * {@code io.github.reflink4j.linux} are internal.
 */
module io.github.reflink4j {
    requires org.jnrproject.ffi;
    requires org.jnrproject.constants;
    // jnr-ffi is an automatic module and so declares nothing: the ASM modules it generates its
    // bindings with are named here, so that a module-path application needs no --add-modules.
    requires org.objectweb.asm;
    requires org.objectweb.asm.commons;
    requires org.objectweb.asm.tree;
    requires org.objectweb.asm.tree.analysis;
    requires org.objectweb.asm.util;
    // optional: copies are JDK Flight Recorder events where the runtime has jdk.jfr and resolves it
    // (any class-path application, -XX:StartFlightRecording, or --add-modules jdk.jfr)
    requires static jdk.jfr;

    exports io.github.reflink4j;
    // Not API. jnr-ffi defines the binding's implementation in an unnamed module of its own
    // class loader, which a qualified export cannot name, so the package is exported to all.
    exports io.github.reflink4j.linux;

    provides java.nio.file.spi.FileSystemProvider with
            io.github.reflink4j.ReflinkFileSystemProvider;
}

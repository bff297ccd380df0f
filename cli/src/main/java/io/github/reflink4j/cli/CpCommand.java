package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.CopyOption;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reflink cp}: one file, cloned where possible. */
@Command(name = "cp", mixinStandardHelpOptions = true,
        description = "Copy SOURCE to TARGET, cloning its blocks where the file system can.",
        footer = {"", "Examples:",
                  "  reflink cp vm.img vm-copy.img                  clone, else copy",
                  "  reflink cp --reflink=always vm.img snap.img    clone or fail",
                  "  reflink cp -f new.conf app.conf                replace app.conf all at once"})
final class CpCommand implements Callable<Integer> {

    @Option(names = "--reflink", paramLabel = "WHEN", defaultValue = "auto",
            converter = ModeConverter.class,
            description = "always: clone or fail; auto: clone, else copy (default); never: a real copy")
    ReflinkCopyOption mode;

    @Option(names = {"-f", "--force"}, description = "replace an existing TARGET (atomically)")
    boolean force;

    @Option(names = {"-v", "--verbose"}, description = "say how each file was copied")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "SOURCE")
    Path source;

    @Parameters(index = "1", paramLabel = "TARGET")
    Path target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<CopyOption> options = new ArrayList<>(List.of(mode));
        if (force) {
            options.add(StandardCopyOption.REPLACE_EXISTING);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            CopyResult result = Reflink.copy(source, target, options.toArray(new CopyOption[0]));
            if (verbose) {
                out.printf("%s -> %s: %s, %d bytes%n", source, target, result.method(), result.bytes());
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("reflink cp: " + describe(e, source, target));
            return ReflinkCommand.EXIT_FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** One line naming both paths and the reason. */
    static String describe(Exception e, Path source, Path target) {
        String message;
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason();
            String kind = e.getClass().getSimpleName().replaceAll("(Exception)$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(java.util.Locale.ROOT);
            message = reason != null ? reason : kind + ": " + fse.getFile();
            if (reason != null && fse.getFile() != null && !fse.getFile().equals(source.toString())
                    && !fse.getFile().equals(target.toString())) {
                message = fse.getFile() + ": " + message;
            }
        } else {
            message = String.valueOf(e.getMessage());
        }
        return "cannot copy '" + source + "' to '" + target + "': " + message;
    }

    static final class ModeConverter implements CommandLine.ITypeConverter<ReflinkCopyOption> {
        @Override
        public ReflinkCopyOption convert(String value) {
            return switch (value) {
                case "always" -> ReflinkCopyOption.ALWAYS;
                case "auto" -> ReflinkCopyOption.AUTO;
                case "never" -> ReflinkCopyOption.NEVER;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not one of always, auto, never");
            };
        }
    }
}

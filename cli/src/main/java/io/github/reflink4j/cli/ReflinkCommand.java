package io.github.reflink4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code reflink} command: copies that clone where the file system can.
 *
 * <pre>
 * java -jar reflink.jar cp --reflink=always vm.img vm-snapshot.img
 * </pre>
 *
 * <p>Exit status: 0 on success, 1 when a copy failed, 2 for a usage error.
 */
@Command(name = "reflink", mixinStandardHelpOptions = true, versionProvider = ReflinkCommand.Version.class,
        description = "Copy-on-write file copies (reflinks) on btrfs and xfs, the fastest real copy elsewhere.",
        subcommands = {CpCommand.class, ProbeCommand.class, DuCommand.class, DedupeCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  reflink cp --reflink=always vm.img vm-snapshot.img",
                  "  reflink cp -r build build-copy",
                  "  reflink probe /data",
                  "  reflink du -s build build-copy",
                  "  reflink dedupe -r /data",
                  "", "Exit status: 0 success, 1 something failed (reported on stderr), 2 usage error."})
public final class ReflinkCommand implements Runnable {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: cp, probe, du or dedupe");
    }

    public static void main(String[] args) {
        ArgumentPaths.remember(args);
        System.exit(commandLine().execute(args));
    }

    /** The command line with reflink4j's exit codes and one-line errors. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new ReflinkCommand());
        commandLine.registerConverter(java.nio.file.Path.class, new ArgumentPaths());
        commandLine.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            sub.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        }
        return commandLine;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ReflinkCommand.class.getPackage().getImplementationVersion();
            return new String[] {"reflink " + (version == null ? "(development build)" : version)};
        }
    }
}

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
        System.exit(commandLine(args).execute(args));
    }

    /** The command line with every subcommand, reflink4j's exit codes and one-line errors. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for these arguments. When they start with a subcommand's name only that
     * subcommand is built, since picocli reads each one's annotations by reflection at start;
     * otherwise all are, for the help and for suggestions on a mistyped name.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine commandLine = new CommandLine(new ReflinkCommand());
        for (Object subcommand : subcommandsFor(args.length == 0 ? "" : args[0])) {
            commandLine.addSubcommand(subcommand);
        }
        commandLine.registerConverter(java.nio.file.Path.class, new ArgumentPaths());
        commandLine.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            sub.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        }
        return commandLine;
    }

    private static Object[] subcommandsFor(String firstArgument) {
        switch (firstArgument) {
            case "cp":
                return new Object[] {new CpCommand()};
            case "probe":
                return new Object[] {new ProbeCommand()};
            case "du":
                return new Object[] {new DuCommand()};
            case "dedupe":
                return new Object[] {new DedupeCommand()};
            default:
                return new Object[] {new CpCommand(), new ProbeCommand(), new DuCommand(), new DedupeCommand(),
                                     new CommandLine.HelpCommand()};
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ReflinkCommand.class.getPackage().getImplementationVersion();
            return new String[] {"reflink " + (version == null ? "(development build)" : version)};
        }
    }
}

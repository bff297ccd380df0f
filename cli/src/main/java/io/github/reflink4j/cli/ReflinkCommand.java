package io.github.reflink4j.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * The {@code reflink} command: copies that clone where the file system can.
 *
 * <pre>
 * java -jar reflink.jar cp --reflink=always vm.img vm-snapshot.img
 * </pre>
 *
 * <p>Exit status: 0 on success, 1 when a copy failed, 2 for a usage error.
 *
 * <p>Only the named subcommand's class is loaded (a switch on its name), so that a command starts
 * without the others; the parser, Commons CLI, uses no reflection.
 */
public final class ReflinkCommand {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private static final String SUMMARY =
            "Copy-on-write file copies (reflinks) on btrfs and xfs, the fastest real copy elsewhere.";
    private static final List<String> FOOTER = List.of("", "Examples:",
            "  reflink cp --reflink=always vm.img vm-snapshot.img",
            "  reflink cp -r build build-copy",
            "  reflink probe /data",
            "  reflink du -s build build-copy",
            "  reflink dedupe -r /data",
            "", "Exit status: 0 success, 1 something failed (reported on stderr), 2 usage error.");
    private static final String COMMANDS = "cp, probe, du or dedupe";

    private ReflinkCommand() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && syntaxOf(args[0]) != null) {
            loadTheNativeBindingMeanwhile();
        }
        ArgumentPaths.remember(args);
        System.exit(run(args, writer(System.out, "sun.stdout.encoding"), writer(System.err, "sun.stderr.encoding")));
    }

    /**
     * Every command calls the kernel through reflink4j's native binding, whose loading (tens of
     * milliseconds of code generation on JDK 22+, more with jnr-ffi) needs no argument: it starts
     * on a thread of its own at once, and the command finds it loaded, or joins the load, when it
     * gets there. Only for a command (cp, probe, du, dedupe); the thread is a daemon, so even a
     * command's --help never waits for it.
     */
    private static void loadTheNativeBindingMeanwhile() {
        Thread load = new Thread(io.github.reflink4j.Reflink::nativeBinding, "reflink-binding-load");
        load.setDaemon(true);
        load.start();
    }

    /** Runs the command with these arguments, writing to these; returns the exit status. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (args.length == 0 ? "" : args[0]) {
            case "cp":
                return CpCommand.main(rest, out, err);
            case "probe":
                return ProbeCommand.main(rest, out, err);
            case "du":
                return DuCommand.main(rest, out, err);
            case "dedupe":
                return DedupeCommand.main(rest, out, err);
            case "help":
                return help(rest, out, err);
            default:
                return topLevel(args, out, err);
        }
    }

    /** No subcommand first: --help, --version, or a usage error. */
    private static int topLevel(String[] args, PrintWriter out, PrintWriter err) {
        Options options = new Options();
        options.addOption(CommandSyntax.HELP);
        options.addOption(CommandSyntax.VERSION);
        CommandLine line;
        try {
            line = CommandSyntax.parser().parse(options, args, true);
        } catch (ParseException e) {
            return CommandSyntax.usageError("reflink", e.getMessage(), out, err);
        }
        if (line.hasOption(CommandSyntax.HELP)) {
            printHelp(out);
            return 0;
        }
        if (line.hasOption(CommandSyntax.VERSION)) {
            out.println(version());
            out.flush();
            return 0;
        }
        List<String> left = line.getArgList();
        if (left.isEmpty()) {
            return CommandSyntax.usageError("reflink", "a command is required: " + COMMANDS, out, err);
        }
        String first = left.get(0);
        if (first.startsWith("-") && first.length() > 1) {
            return CommandSyntax.usageError("reflink", "unknown option '" + first + "'", out, err);
        }
        return CommandSyntax.usageError("reflink", "unknown command '" + first + "': use " + COMMANDS, out, err);
    }

    /** {@code reflink help [COMMAND]}: the help of COMMAND, or of reflink itself. */
    private static int help(String[] args, PrintWriter out, PrintWriter err) {
        String topic = args.length == 0 ? "" : args[0];
        switch (topic) {
            case "":
                printHelp(out);
                return 0;
            case "-h":
            case "--help":
            case "help":
                CommandSyntax.HelpText.print(out, 80, "Usage: reflink help [COMMAND]",
                        List.of("Show the help of COMMAND (" + COMMANDS + "), or of reflink itself without one."),
                        null, List.of());
                return 0;
            default:
                CommandSyntax syntax = syntaxOf(topic);
                if (syntax == null) {
                    return CommandSyntax.usageError("reflink help", "unknown command '" + topic + "': use "
                            + COMMANDS, out, err);
                }
                syntax.printHelp(out);
                return 0;
        }
    }

    private static CommandSyntax syntaxOf(String name) {
        switch (name) {
            case "cp":
                return CpCommand.SYNTAX;
            case "probe":
                return ProbeCommand.SYNTAX;
            case "du":
                return DuCommand.SYNTAX;
            case "dedupe":
                return DedupeCommand.SYNTAX;
            default:
                return null;
        }
    }

    /** The top-level help: usage, options, each command's summary, examples. */
    private static void printHelp(PrintWriter out) {
        Options options = new Options();
        options.addOption(CommandSyntax.HELP);
        options.addOption(CommandSyntax.VERSION);
        CommandSyntax.HelpText.print(out, 80, "Usage: reflink [-hV] COMMAND [ARGUMENT]...", List.of(SUMMARY), options,
                List.of());
        out.println("Commands:");
        for (CommandSyntax syntax : List.of(CpCommand.SYNTAX, ProbeCommand.SYNTAX, DuCommand.SYNTAX,
                DedupeCommand.SYNTAX)) {
            CommandSyntax.HelpText.printWrapped(out, 12, String.format("  %-8s  %s", syntax.name(),
                    syntax.description().get(0)));
        }
        CommandSyntax.HelpText.printWrapped(out, 12, String.format("  %-8s  %s", "help",
                "Show the help of a command: reflink help cp."));
        FOOTER.forEach(out::println);
        out.flush();
    }

    /** "reflink 0.1.0", from the jar's manifest. */
    static String version() {
        String version = ReflinkCommand.class.getPackage().getImplementationVersion();
        return "reflink " + (version == null ? "(development build)" : version);
    }

    /** A writer on {@code stream} in the charset the JVM chose for it, else the default one. */
    private static PrintWriter writer(OutputStream stream, String encodingProperty) {
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charsetOf(encodingProperty))), true);
    }

    /** The charset the JVM chose for a standard stream ({@code sun.stderr.encoding}...), else the default one. */
    static Charset charsetOf(String encodingProperty) {
        String encoding = System.getProperty(encodingProperty);
        if (encoding != null) {
            try {
                return Charset.forName(encoding);
            } catch (IllegalArgumentException e) {
                // not available here: the default charset
            }
        }
        return Charset.defaultCharset();
    }
}

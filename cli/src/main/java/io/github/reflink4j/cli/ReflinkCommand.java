package io.github.reflink4j.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    static final String SUMMARY =
            "Copy-on-write file copies (reflinks) on btrfs and xfs, the fastest real copy elsewhere.";
    /** The examples of the top-level help and of the man page. */
    static final List<String> EXAMPLES = List.of(
            "reflink cp --reflink=always vm.img vm-snapshot.img",
            "reflink cp -r build build-copy",
            "reflink probe /data",
            "reflink du -s build build-copy",
            "reflink dedupe -r /data");
    /** The exit statuses and what each means, for the help and the man page. */
    static final Map<Integer, String> EXIT_STATUSES = exitStatuses();
    /** What follows "reflink" in the top-level usage line. */
    static final String SYNOPSIS = "[-hV] COMMAND [ARGUMENT]...";

    private static final String COMMANDS = "cp, probe, du or dedupe";

    private ReflinkCommand() {}

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
        Options options = topLevelOptions();
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
                CommandSyntax.HelpText.print(
                        out,
                        80,
                        "Usage: reflink help [COMMAND]",
                        List.of("Show the help of COMMAND (" + COMMANDS + "), or of reflink itself without one."),
                        null,
                        List.of());
                return 0;
            default:
                CommandSyntax syntax = syntaxOf(topic);
                if (syntax == null) {
                    return CommandSyntax.usageError(
                            "reflink help", "unknown command '" + topic + "': use " + COMMANDS, out, err);
                }
                syntax.printHelp(out);
                return 0;
        }
    }

    private static Map<Integer, String> exitStatuses() {
        Map<Integer, String> statuses = new LinkedHashMap<>();
        statuses.put(0, "success");
        statuses.put(EXIT_FAILED, "something failed (reported on stderr)");
        statuses.put(EXIT_USAGE, "usage error");
        return Collections.unmodifiableMap(statuses);
    }

    /** Every subcommand's syntax, in the order the help lists them (loads every command's class). */
    static List<CommandSyntax> commands() {
        return List.of(CpCommand.SYNTAX, ProbeCommand.SYNTAX, DuCommand.SYNTAX, DedupeCommand.SYNTAX);
    }

    /** The options of reflink itself, without a subcommand. */
    static Options topLevelOptions() {
        Options options = new Options();
        options.addOption(CommandSyntax.HELP);
        options.addOption(CommandSyntax.VERSION);
        return options;
    }

    /** What "reflink help" says of itself in the command list. */
    static final String HELP_SUMMARY = "Show the help of a command: reflink help cp.";

    static CommandSyntax syntaxOf(String name) {
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
        CommandSyntax.HelpText.print(
                out, 80, "Usage: reflink " + SYNOPSIS, List.of(SUMMARY), topLevelOptions(), List.of());
        out.println("Commands:");
        for (CommandSyntax syntax : commands()) {
            CommandSyntax.HelpText.printWrapped(
                    out,
                    12,
                    String.format(
                            "  %-8s  %s", syntax.name(), syntax.description().get(0)));
        }
        CommandSyntax.HelpText.printWrapped(out, 12, String.format("  %-8s  %s", "help", HELP_SUMMARY));
        out.println();
        out.println("Examples:");
        EXAMPLES.forEach(example -> out.println("  " + example));
        out.println();
        StringBuilder statuses = new StringBuilder("Exit status:");
        EXIT_STATUSES.forEach((status, meaning) ->
                statuses.append(' ').append(status).append(' ').append(meaning).append(','));
        statuses.setCharAt(statuses.length() - 1, '.');
        out.println(statuses);
        out.flush();
    }

    /**
     * What --version prints: the version (from the jar's manifest), the native binding reflink4j
     * calls the kernel through in this JVM (or none, and why), the JDK and the system.
     *
     * <pre>
     * reflink 0.1.0
     * native binding: java.lang.foreign
     * java: 25.0.1+8-LTS (Eclipse Adoptium) in /usr/lib/jvm/temurin-25-jdk-amd64
     * os: Linux 6.12.57 amd64
     * </pre>
     */
    static String version() {
        String version = ReflinkCommand.class.getPackage().getImplementationVersion();
        String binding = io.github.reflink4j.Reflink.nativeBinding().orElseGet(ReflinkCommand::noBinding);
        return String.join(
                System.lineSeparator(),
                "reflink " + (version == null ? "(development build)" : version),
                "native binding: " + binding,
                "java: " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor")
                        + ") in " + System.getProperty("java.home"),
                "os: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
    }

    /** "none: " and why no binding loaded. */
    private static String noBinding() {
        Throwable reason = io.github.reflink4j.linux.Syscalls.unavailableReason();
        if (reason == null) {
            return "none";
        }
        String message = reason.getMessage();
        return "none: "
                + (message == null
                        ? reason.getClass().getName()
                        : message.lines().findFirst().orElse(""));
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

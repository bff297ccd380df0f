package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/**
 * One subcommand's syntax, parsed with Commons CLI: its options, its help, and how a usage error
 * is told (one line on stderr naming the problem, a pointer to --help, exit status 2).
 *
 * <p>Every subcommand takes -h/--help and -V/--version, anywhere before {@code --}; a help
 * request wins over any error in the other arguments. Long options are matched in full only
 * (no abbreviations), an option other than a repeatable one may be given once, and options may
 * come after the paths.
 *
 * @param name        the subcommand's name ("cp")
 * @param synopsis    what follows "Usage: reflink NAME " in the help
 * @param description the help's paragraphs; the first is the summary "reflink --help" lists
 * @param options     the options, in the order the help lists them, -h and -V not included
 * @param hidden      more options the parser knows but the help does not list (aliases)
 * @param repeatable  the long names of the options that may be given more than once
 * @param footer      the help's last lines, printed as they are (examples)
 * @param values      the fixed values of the options that take one of a few (or a comma-separated
 *                    list of them), by long name: what completion offers ({@code "reflink"} to
 *                    always, auto, never)
 */
record CommandSyntax(
        String name,
        String synopsis,
        List<String> description,
        Options options,
        Options hidden,
        Set<String> repeatable,
        List<String> footer,
        Map<String, List<String>> values) {
    static final Option HELP = flag("h", "help", "show this help and exit");
    static final Option VERSION = flag("V", "version", "print the version and exit");
    /** The help's width in columns. */
    private static final int WIDTH = 80;

    /** A subcommand none of whose options takes a fixed set of values. */
    CommandSyntax(
            String name,
            String synopsis,
            List<String> description,
            Options options,
            Options hidden,
            Set<String> repeatable,
            List<String> footer) {
        this(name, synopsis, description, options, hidden, repeatable, footer, Map.of());
    }

    /** The options the help lists, -h and -V last, as a completion or the man page lists them. */
    List<Option> documentedOptions() {
        return List.copyOf(withStandard(options).getOptions());
    }

    /**
     * The positional arguments' names, from the synopsis: its words that are not options
     * ("SOURCE...", "TARGET"), their dots removed.
     */
    List<String> operands() {
        List<String> operands = new ArrayList<>();
        for (String word : synopsis.split(" ")) {
            if (!word.isEmpty() && !word.startsWith("[") && !word.startsWith("-")) {
                operands.add(word.endsWith("...") ? word.substring(0, word.length() - 3) : word);
            }
        }
        return operands;
    }

    /** An option without a value: -{@code shortName} (null for none), --{@code longName} (null for none). */
    static Option flag(String shortName, String longName, String description) {
        return Option.builder(shortName).longOpt(longName).desc(description).get();
    }

    /** --json, which each subcommand has: {@code what} as one JSON object on stdout. */
    static Option json(String what) {
        return flag(null, "json", "print " + what + " as one JSON object on stdout");
    }

    /** What a subcommand does with its parsed arguments; it may still find a usage error. */
    interface Body {
        int run(CommandLine line, Output output) throws UsageError;
    }

    /** A usage error: the message is one line naming the problem. */
    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    /** The qualified name, "reflink cp". */
    String qualifiedName() {
        return "reflink " + name;
    }

    /**
     * Parses {@code arguments} (those after the subcommand's name) and runs {@code body}, or
     * prints the help or version; returns the exit status.
     */
    int execute(String[] arguments, PrintWriter out, PrintWriter err, Body body) {
        try {
            CommandLine line;
            try {
                line = parse(arguments);
            } catch (UsageError e) {
                if (asksForHelp(arguments)) {
                    printHelp(out);
                    return 0;
                }
                throw e;
            }
            if (line.hasOption(HELP)) {
                printHelp(out);
                return 0;
            }
            if (line.hasOption(VERSION)) {
                out.println(ReflinkCommand.version());
                out.flush();
                return 0;
            }
            return body.run(line, new Output(qualifiedName(), out, err));
        } catch (UsageError e) {
            return usageError(qualifiedName(), e.getMessage(), out, err);
        } catch (RuntimeException e) {
            // a bug: its stack trace, and the status of a failure
            out.flush();
            e.printStackTrace(err);
            err.flush();
            return ReflinkCommand.EXIT_FAILED;
        }
    }

    /** Prints the one-line message and the pointer to --help; returns 2. */
    static int usageError(String command, String message, PrintWriter out, PrintWriter err) {
        out.flush();
        err.println(command + ": " + message);
        err.println("Try '" + command + " --help' for more information.");
        err.flush();
        return ReflinkCommand.EXIT_USAGE;
    }

    private CommandLine parse(String[] arguments) throws UsageError {
        Options all = new Options();
        for (Option option : options.getOptions()) {
            all.addOption(option);
        }
        for (Option option : hidden.getOptions()) {
            all.addOption(option);
        }
        all.addOption(HELP);
        all.addOption(VERSION);
        refuseSingleDashLongOptions(all, arguments);
        CommandLine line;
        try {
            line = parser().parse(all, arguments, false);
        } catch (MissingArgumentException e) {
            throw new UsageError("option " + display(e.getOption()) + " needs a value ("
                    + e.getOption().getArgName() + ")");
        } catch (UnrecognizedOptionException e) {
            throw new UsageError("unknown option '" + e.getOption() + "'");
        } catch (ParseException e) {
            throw new UsageError(e.getMessage());
        }
        Set<String> seen = new HashSet<>();
        for (Option option : line.getOptions()) {
            String key = option.getKey();
            boolean mayRepeat = option.hasLongOpt() && repeatable.contains(option.getLongOpt());
            if (!seen.add(key) && !mayRepeat) {
                throw new UsageError("option " + display(option) + " should be given only once");
            }
        }
        return line;
    }

    /**
     * Commons CLI takes "-force" for "--force"; GNU cp, whose syntax reflink follows, reads it as
     * the short options -f -o -r -c -e. Neither is what a file named "-force", expanded by a glob,
     * should do: such an argument before "--" is a usage error.
     */
    private static void refuseSingleDashLongOptions(Options all, String[] arguments) throws UsageError {
        for (String argument : arguments) {
            if (argument.equals("--")) {
                return;
            }
            if (argument.length() > 2 && argument.charAt(0) == '-' && argument.charAt(1) != '-') {
                int equals = argument.indexOf('=');
                String name = argument.substring(1, equals < 0 ? argument.length() : equals);
                if (all.hasLongOption(name)) {
                    throw new UsageError("unknown option '" + argument + "' (a long option takes two dashes: --" + name
                            + "; a file of that name goes after --)");
                }
            }
        }
    }

    /**
     * The parser: long options matched in full only, and values taken as given (Commons CLI
     * would otherwise strip quotes from a value given as a separate argument, not after "=").
     */
    static DefaultParser parser() {
        return DefaultParser.builder()
                .setAllowPartialMatching(false)
                .setStripLeadingAndTrailingQuotes(false)
                .get();
    }

    /** "--reflink", or "-p" for an option with only a short name. */
    static String display(Option option) {
        return option.hasLongOpt() ? "'--" + option.getLongOpt() + "'" : "'-" + option.getOpt() + "'";
    }

    /** -h or --help before "--": help is shown even when the other arguments are wrong. */
    private static boolean asksForHelp(String[] arguments) {
        for (String argument : arguments) {
            if (argument.equals("--")) {
                return false;
            }
            if (argument.equals("-h") || argument.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** The positional arguments as paths, their bytes kept (see {@link ArgumentPaths}). */
    static List<Path> paths(CommandLine line) throws UsageError {
        List<Path> paths = new ArrayList<>();
        for (String argument : line.getArgList()) {
            try {
                paths.add(ArgumentPaths.convert(argument));
            } catch (IOException e) {
                throw new UsageError("cannot read the bytes of argument '" + argument + "': " + e.getMessage());
            }
        }
        return paths;
    }

    /** Usage, description, options, footer. */
    void printHelp(PrintWriter out) {
        HelpText.print(
                out, WIDTH, "Usage: " + qualifiedName() + " " + synopsis, description, withStandard(options), footer);
    }

    private static Options withStandard(Options options) {
        Options shown = new Options();
        for (Option option : options.getOptions()) {
            shown.addOption(option);
        }
        shown.addOption(HELP);
        shown.addOption(VERSION);
        return shown;
    }

    /**
     * The help's layout, with Commons CLI's formatter (its classes load only for a help).
     */
    static final class HelpText {
        private HelpText() {}

        @SuppressWarnings("deprecation") // the classic formatter: the table-based one has no plain-text layout
        static void print(
                PrintWriter out,
                int width,
                String usage,
                List<String> description,
                Options options,
                List<String> footer) {
            org.apache.commons.cli.HelpFormatter formatter =
                    org.apache.commons.cli.HelpFormatter.builder().get();
            formatter.setOptionComparator(null); // in the order given
            formatter.setLongOptSeparator("=");
            formatter.printWrapped(out, width, usage.indexOf(' ', "Usage: reflink ".length()) + 1, usage);
            for (String paragraph : description) {
                formatter.printWrapped(out, width, paragraph);
            }
            if (options != null) {
                formatter.printOptions(out, width, options, 2, 3);
            }
            for (String text : footer) {
                out.println(text);
            }
            out.flush();
        }

        /** {@code text} wrapped to the width, its continuation lines indented by {@code indent}. */
        @SuppressWarnings("deprecation")
        static void printWrapped(PrintWriter out, int indent, String text) {
            org.apache.commons.cli.HelpFormatter.builder().get().printWrapped(out, WIDTH, indent, text);
        }
    }
}

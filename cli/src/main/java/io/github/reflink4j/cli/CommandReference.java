package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.cli.Option;

/**
 * The bash and zsh completions and the man page of {@code reflink}, written from the same option
 * model the command parses its arguments with and prints its help from ({@link CommandSyntax} of
 * each subcommand, {@link ReflinkCommand}'s top level), so that none of them can drift from the
 * command. The build writes them beside the jar; {@code src/install.sh} installs them.
 *
 * <pre>
 * java -cp reflink.jar io.github.reflink4j.cli.CommandReference bash    # the bash completion, on stdout
 * java -cp reflink.jar io.github.reflink4j.cli.CommandReference zsh     # the zsh completion (_reflink)
 * java -cp reflink.jar io.github.reflink4j.cli.CommandReference man     # reflink.1, troff
 * java -cp reflink.jar io.github.reflink4j.cli.CommandReference options # "cp --reflink=WHEN", one a line
 * java -cp reflink.jar io.github.reflink4j.cli.CommandReference --write target/share DATE
 * </pre>
 *
 * <p>{@code --write DIR DATE} writes all three under DIR as an installation lays them out:
 * {@code bash-completion/completions/reflink}, {@code zsh/site-functions/_reflink} and
 * {@code man/man1/reflink.1} (DATE, such as 2026-11-26, is the man page's date).
 */
public final class CommandReference {
    private static final String GENERATED = "generated from the reflink command's option model by "
            + CommandReference.class.getName() + ": do not edit";
    /** The environment variables the command and its launcher read, and what each does. */
    private static final Map<String, String> ENVIRONMENT = environment();

    private CommandReference() {}

    public static void main(String[] args) {
        String what = args.length == 0 ? "" : args[0];
        if (what.equals("--write") && args.length == 3) {
            // the build gives project.build.outputTimestamp (2026-11-26T00:00:00Z): its day, so
            // that two builds of one commit write the same page
            write(Path.of(args[1]), args[2].length() > 10 ? args[2].substring(0, 10) : args[2]);
            return;
        }
        String text;
        switch (what) {
            case "bash":
                text = bash();
                break;
            case "zsh":
                text = zsh();
                break;
            case "man":
                text = man(args.length > 1 ? args[1] : java.time.LocalDate.now().toString());
                break;
            case "options":
                text = optionList();
                break;
            default:
                System.err.println("usage: CommandReference bash|zsh|options|man [DATE] | --write DIR DATE");
                System.exit(ReflinkCommand.EXIT_USAGE);
                return;
        }
        System.out.print(text);
        System.out.flush();
    }

    private static void write(Path directory, String date) {
        try {
            writeFile(directory.resolve("bash-completion/completions/reflink"), bash());
            writeFile(directory.resolve("zsh/site-functions/_reflink"), zsh());
            writeFile(directory.resolve("man/man1/reflink.1"), man(date));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeFile(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IOException(file + ": not a file below a directory");
        }
        Files.createDirectories(parent);
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    // ---- the model, listed

    /**
     * Every option of every subcommand as the help shows it, one a line: "cp -j --jobs=N",
     * "cp --preserve[=ATTRS]", "probe -h --help"; then the top level's, under "reflink".
     */
    static String optionList() {
        StringBuilder text = new StringBuilder();
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            for (Option option : syntax.documentedOptions()) {
                text.append(syntax.name())
                        .append(' ')
                        .append(String.join(" ", names(option)))
                        .append(argument(option))
                        .append('\n');
            }
        }
        for (Option option : ReflinkCommand.topLevelOptions().getOptions()) {
            text.append("reflink ").append(String.join(" ", names(option))).append('\n');
        }
        return text.toString();
    }

    /** "-j", "--jobs": the option's names with their dashes. */
    private static List<String> names(Option option) {
        List<String> names = new ArrayList<>();
        if (option.getOpt() != null) {
            names.add("-" + option.getOpt());
        }
        if (option.hasLongOpt()) {
            names.add("--" + option.getLongOpt());
        }
        return names;
    }

    /** "=N", "[=ATTRS]" or nothing. */
    private static String argument(Option option) {
        if (!option.hasArg()) {
            return "";
        }
        return option.hasOptionalArg() ? "[=" + option.getArgName() + "]" : "=" + option.getArgName();
    }

    private static List<String> commandNames() {
        List<String> names = new ArrayList<>();
        ReflinkCommand.commands().forEach(syntax -> names.add(syntax.name()));
        names.add("help");
        return names;
    }

    /** Whether the subcommand's operands are directories only ("DIR..."), else files. */
    private static boolean takesDirectoriesOnly(CommandSyntax syntax) {
        return !syntax.operands().isEmpty() && syntax.operands().stream().allMatch(operand -> operand.equals("DIR"));
    }

    // ---- bash

    /**
     * The bash completion: the subcommands, each one's options, the fixed values of an option
     * that takes one ("--reflink=al", "--reflink al"; each item of a comma-separated list), and
     * file names (directory names where the operands are DIRs) for the rest, and after "--".
     */
    static String bash() {
        StringBuilder text = new StringBuilder();
        text.append("# bash completion for reflink, ").append(GENERATED).append("\n");
        text.append("_reflink() {\n");
        text.append("    local cur=${COMP_WORDS[COMP_CWORD]} command='' start i option='' value prefix=''\n");
        text.append("    # the subcommand: the first word after reflink that is not an option\n");
        text.append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        text.append("        case ${COMP_WORDS[i]} in\n");
        text.append("            -*) ;;\n");
        text.append("            *) command=${COMP_WORDS[i]}; start=$i; break ;;\n");
        text.append("        esac\n");
        text.append("    done\n");
        text.append("    if [[ -z $command ]]; then\n");
        text.append("        if [[ $cur == -* ]]; then\n");
        text.append("            mapfile -t COMPREPLY < <(compgen -W '")
                .append(words(ReflinkCommand.topLevelOptions().getOptions()))
                .append("' -- \"$cur\")\n");
        text.append("        else\n");
        text.append("            mapfile -t COMPREPLY < <(compgen -W '")
                .append(String.join(" ", commandNames()))
                .append("' -- \"$cur\")\n");
        text.append("        fi\n");
        text.append("        return\n");
        text.append("    fi\n");
        text.append("    # after --, only operands\n");
        text.append("    for ((i = start + 1; i < COMP_CWORD; i++)); do\n");
        text.append("        if [[ ${COMP_WORDS[i]} == -- ]]; then\n");
        text.append("            _reflink_operands \"$command\" \"$cur\"\n");
        text.append("            return\n");
        text.append("        fi\n");
        text.append("    done\n");
        text.append("    # the option whose value is being completed: --opt=VALUE in one word, or split at \"=\"\n");
        text.append("    # (COMP_WORDBREAKS), or --opt VALUE, -j VALUE\n");
        text.append("    value=$cur\n");
        text.append("    if [[ $cur == --*=* ]]; then\n");
        text.append("        option=${cur%%=*}=; value=${cur#*=}; prefix=$option\n");
        text.append("    elif [[ $cur == = ]] && ((COMP_CWORD - 1 > start)); then\n");
        text.append("        option=${COMP_WORDS[COMP_CWORD-1]}=; value=\n");
        text.append("    elif [[ ${COMP_WORDS[COMP_CWORD-1]} == = ]] && ((COMP_CWORD - 2 > start)); then\n");
        text.append("        option=${COMP_WORDS[COMP_CWORD-2]}=\n");
        text.append("    elif ((COMP_CWORD - 1 > start)); then\n");
        text.append("        option=${COMP_WORDS[COMP_CWORD-1]}\n");
        text.append("    fi\n");
        text.append("    case $command in\n");
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            text.append("        ").append(syntax.name()).append(")\n");
            boolean takesValues = syntax.documentedOptions().stream().anyMatch(Option::hasArg);
            if (takesValues) {
                text.append("            case $option in\n");
            }
            for (Option option : syntax.documentedOptions()) {
                if (!option.hasArg()) {
                    continue;
                }
                List<String> patterns = new ArrayList<>();
                if (option.hasLongOpt()) {
                    patterns.add("--" + option.getLongOpt() + "=");
                    if (!option.hasOptionalArg()) {
                        patterns.add("--" + option.getLongOpt());
                    }
                }
                if (option.getOpt() != null && !option.hasOptionalArg()) {
                    patterns.add("-" + option.getOpt());
                }
                List<String> values = option.hasLongOpt() ? syntax.values().get(option.getLongOpt()) : null;
                text.append("                ")
                        .append(String.join(" | ", patterns))
                        .append(")\n");
                if (values != null) {
                    text.append("                    _reflink_values '")
                            .append(String.join(" ", values))
                            .append("' \"$value\" \"$prefix\"\n");
                }
                text.append("                    return ;;\n");
            }
            if (takesValues) {
                text.append("            esac\n");
            }
            text.append("            if [[ $cur == -* ]]; then\n");
            text.append("                mapfile -t COMPREPLY < <(compgen -W '")
                    .append(words(syntax.documentedOptions()))
                    .append("' -- \"$cur\")\n");
            text.append("                return\n");
            text.append("            fi\n");
            text.append("            ;;\n");
        }
        text.append("        help)\n");
        text.append("            ((COMP_CWORD == start + 1)) && mapfile -t COMPREPLY < <(compgen -W '")
                .append(String.join(
                        " ", commandNames().subList(0, commandNames().size() - 1)))
                .append("' -- \"$cur\")\n");
        text.append("            return ;;\n");
        text.append("        *) return ;;\n");
        text.append("    esac\n");
        text.append("    _reflink_operands \"$command\" \"$cur\"\n");
        text.append("}\n\n");
        text.append("# _reflink_values 'a b c' VALUE PREFIX: the values that complete VALUE's last comma-separated\n");
        text.append(
                "# item, each after PREFIX (\"--preserve=\" when the word is the whole option) and the items before\n");
        text.append("_reflink_values() {\n");
        text.append("    local done='' item=$2\n");
        text.append("    if [[ $2 == *,* ]]; then\n");
        text.append("        done=${2%,*},; item=${2##*,}\n");
        text.append("    fi\n");
        text.append("    mapfile -t COMPREPLY < <(compgen -P \"$3$done\" -W \"$1\" -- \"$item\")\n");
        text.append("}\n\n");
        text.append("# _reflink_operands COMMAND WORD: file names, or directory names where COMMAND takes DIRs\n");
        text.append("_reflink_operands() {\n");
        text.append("    compopt -o filenames 2>/dev/null\n");
        text.append("    case $1 in\n");
        StringBuilder directoriesOnly = new StringBuilder();
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            if (takesDirectoriesOnly(syntax)) {
                directoriesOnly
                        .append(directoriesOnly.length() == 0 ? "" : " | ")
                        .append(syntax.name());
            }
        }
        if (directoriesOnly.length() > 0) {
            text.append("        ")
                    .append(directoriesOnly)
                    .append(") mapfile -t COMPREPLY < <(compgen -d -- \"$2\") ;;\n");
        }
        text.append("        *) mapfile -t COMPREPLY < <(compgen -f -- \"$2\") ;;\n");
        text.append("    esac\n");
        text.append("}\n\n");
        text.append("complete -F _reflink reflink\n");
        return text.toString();
    }

    /** The options' names, "-h --help -V --version", for compgen -W. */
    private static String words(Iterable<Option> options) {
        List<String> words = new ArrayList<>();
        for (Option option : options) {
            words.addAll(names(option));
        }
        return String.join(" ", words);
    }

    // ---- zsh

    /**
     * The zsh completion function {@code _reflink}: {@code _arguments} with each option's
     * description, the subcommands with their summaries, fixed values, and files.
     */
    static String zsh() {
        StringBuilder text = new StringBuilder();
        text.append("#compdef reflink\n");
        text.append("# zsh completion for reflink, ").append(GENERATED).append("\n\n");
        text.append("_reflink() {\n");
        text.append("    local curcontext=$curcontext state line ret=1\n");
        text.append("    typeset -A opt_args\n");
        text.append("    _arguments -C \\\n");
        for (Option option : ReflinkCommand.topLevelOptions().getOptions()) {
            text.append("        ").append(zshSpec(option, Map.of(), "'(- *)'")).append(" \\\n");
        }
        text.append("        '1:command:->command' \\\n");
        text.append("        '*::argument:->argument' && ret=0\n");
        text.append("    case $state in\n");
        text.append("        command)\n");
        text.append("            local -a commands=(\n");
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            text.append("                ")
                    .append(zshQuote(syntax.name() + ":" + syntax.description().get(0)))
                    .append('\n');
        }
        text.append("                ")
                .append(zshQuote("help:" + ReflinkCommand.HELP_SUMMARY))
                .append('\n');
        text.append("            )\n");
        text.append("            _describe -t commands 'reflink command' commands && ret=0\n");
        text.append("            ;;\n");
        text.append("        argument)\n");
        text.append("            curcontext=${curcontext%:*:*}:reflink-$words[1]:\n");
        text.append("            case $words[1] in\n");
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            text.append("                ").append(syntax.name()).append(")\n");
            text.append("                    _arguments -s -S \\\n");
            for (Option option : syntax.documentedOptions()) {
                boolean exits = option == CommandSyntax.HELP || option == CommandSyntax.VERSION;
                text.append("                        ")
                        .append(zshSpec(option, syntax, exits ? "'(- *)'" : null))
                        .append(" \\\n");
            }
            String operand = takesDirectoriesOnly(syntax) ? "'*:directory:_files -/'" : "'*:file:_files'";
            text.append("                        ").append(operand).append(" && ret=0\n");
            text.append("                    ;;\n");
        }
        text.append("                help)\n");
        text.append("                    _arguments '1:command:(")
                .append(String.join(
                        " ", commandNames().subList(0, commandNames().size() - 1)))
                .append(")' && ret=0\n");
        text.append("                    ;;\n");
        text.append("            esac\n");
        text.append("            ;;\n");
        text.append("    esac\n");
        text.append("    return ret\n");
        text.append("}\n\n");
        text.append("_reflink \"$@\"\n");
        return text.toString();
    }

    private static String zshSpec(Option option, CommandSyntax syntax, String exclusions) {
        return zshSpec(
                option,
                syntax.values(),
                exclusions == null
                        ? (option.hasLongOpt() && syntax.repeatable().contains(option.getLongOpt()) ? "'*'" : null)
                        : exclusions);
    }

    /**
     * One _arguments spec: {@code '(-j --jobs)'{-j+,--jobs=}'[files copied at once]:N: '}; a
     * repeatable option starts with "*" and excludes nothing.
     */
    private static String zshSpec(Option option, Map<String, List<String>> values, String prefix) {
        List<String> names = new ArrayList<>();
        String exclusions = prefix;
        if (option.getOpt() != null) {
            names.add("-" + option.getOpt() + (option.hasArg() && !option.hasOptionalArg() ? "+" : ""));
        }
        if (option.hasLongOpt()) {
            names.add("--" + option.getLongOpt() + (option.hasArg() ? (option.hasOptionalArg() ? "=-" : "=") : ""));
        }
        if (exclusions == null && names.size() > 1) {
            exclusions = "'(" + String.join(" ", names(option)) + ")'";
        }
        StringBuilder spec = new StringBuilder(exclusions == null ? "" : exclusions);
        spec.append(names.size() == 1 ? zshQuote(names.get(0)) : "{" + String.join(",", names) + "}");
        String description = option.getDescription()
                .replace("\\", "\\\\")
                .replace("[", "\\[")
                .replace("]", "\\]")
                .replace(":", "\\:");
        StringBuilder rest = new StringBuilder("[" + description + "]");
        if (option.hasArg()) {
            List<String> fixed = option.hasLongOpt() ? values.get(option.getLongOpt()) : null;
            rest.append(option.hasOptionalArg() ? "::" : ":")
                    .append(option.getArgName())
                    .append(':');
            if (fixed == null) {
                rest.append(' ');
            } else {
                rest.append("_sequence compadd - ").append(String.join(" ", fixed));
            }
        }
        spec.append(zshQuote(rest.toString()));
        return spec.toString();
    }

    /** {@code text} in single quotes, for zsh. */
    private static String zshQuote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    // ---- man

    /**
     * The man page, reflink(1), in troff with the man macros: NAME, SYNOPSIS, DESCRIPTION, each
     * command with its options, EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SEE ALSO.
     */
    static String man(String date) {
        StringWriter buffer = new StringWriter();
        PrintWriter man = new PrintWriter(buffer);
        String version = ReflinkCommand.class.getPackage().getImplementationVersion();
        man.println(".\\\" " + GENERATED);
        man.println(".TH REFLINK 1 " + date + " \"reflink4j" + (version == null ? "" : " " + version)
                + "\" \"User Commands\"");
        man.println(".SH NAME");
        man.println("reflink \\- " + troff(lowerFirst(withoutPeriod(ReflinkCommand.SUMMARY))));
        man.println(".SH SYNOPSIS");
        man.println(synopsis("reflink", ReflinkCommand.SYNOPSIS));
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            man.println(".br");
            man.println(synopsis(syntax.qualifiedName(), syntax.synopsis()));
        }
        man.println(".br");
        man.println(synopsis("reflink help", "[COMMAND]"));
        man.println(".SH DESCRIPTION");
        man.println(troff(ReflinkCommand.SUMMARY));
        man.println(".PP");
        man.println("Every command takes its options anywhere before \\fB\\-\\-\\fR, long options in full only;"
                + " \\fB\\-h\\fR (\\fB\\-\\-help\\fR) and \\fB\\-V\\fR (\\fB\\-\\-version\\fR) everywhere.");
        man.println(".SH OPTIONS");
        options(man, ReflinkCommand.topLevelOptions().getOptions());
        man.println(".SH COMMANDS");
        for (CommandSyntax syntax : ReflinkCommand.commands()) {
            man.println(".SS \"" + syntax.qualifiedName() + "\"");
            man.println(synopsis(syntax.qualifiedName(), syntax.synopsis()));
            for (String paragraph : syntax.description()) {
                man.println(".PP");
                man.println(troff(paragraph));
            }
            options(man, syntax.documentedOptions());
            List<String> footer = syntax.footer();
            int first = 0;
            while (first < footer.size() && footer.get(first).isBlank()) {
                first++;
            }
            if (first < footer.size()) {
                man.println(".PP");
                man.println(troff(footer.get(first)));
                man.println(".PP");
                man.println(".nf");
                man.println(".RS 4");
                for (String line : footer.subList(first + 1, footer.size())) {
                    man.println(troff(line.startsWith("  ") ? line.substring(2) : line));
                }
                man.println(".RE");
                man.println(".fi");
            }
        }
        man.println(".SS \"reflink help\"");
        man.println(synopsis("reflink help", "[COMMAND]"));
        man.println(".PP");
        man.println(troff(ReflinkCommand.HELP_SUMMARY));
        man.println(".SH \"EXIT STATUS\"");
        ReflinkCommand.EXIT_STATUSES.forEach((status, meaning) -> {
            man.println(".TP");
            man.println(".B " + status);
            man.println(troff(meaning));
        });
        man.println(".SH ENVIRONMENT");
        ENVIRONMENT.forEach((name, meaning) -> {
            man.println(".TP");
            man.println(".B " + name);
            man.println(troff(meaning));
        });
        man.println(".SH FILES");
        man.println(".TP");
        man.println(".I ${XDG_CACHE_HOME:\\-$HOME/.cache}/reflink4j/");
        man.println(troff("The class-data archives the launcher makes, one per jar and JDK, for a faster start;"
                + " removing the directory is harmless."));
        man.println(".SH EXAMPLES");
        man.println(".nf");
        man.println(".RS 4");
        for (String example : ReflinkCommand.EXAMPLES) {
            man.println(troff(example));
        }
        man.println(".RE");
        man.println(".fi");
        man.println(".SH \"SEE ALSO\"");
        man.println(".BR cp (1),");
        man.println(".BR du (1),");
        man.println(".BR filefrag (8),");
        man.println(".BR ioctl_ficlone (2),");
        man.println(".BR ioctl_fideduperange (2)");
        man.flush();
        return buffer.toString();
    }

    private static Map<String, String> environment() {
        Map<String, String> environment = new java.util.LinkedHashMap<>();
        environment.put(
                "REFLINK4J_BINDING",
                "The native binding reflink4j calls the kernel through: foreign"
                        + " (java.lang.foreign, JDK 22 and later), jnr (jnr-ffi) or auto (the default: foreign where the"
                        + " JDK has it, else jnr). reflink --version names the one in use.");
        environment.put("JAVA_HOME", "The JDK the launcher runs (else java on the PATH); JDK 17 or later.");
        environment.put("REFLINK4J_CDS", "0: the launcher makes and uses no class-data archive.");
        environment.put("REFLINK4J_JAVA_OPTS", "More JVM options for the command, such as -Xmx2g.");
        environment.put("XDG_CACHE_HOME", "Where the launcher keeps its archives (see FILES); else $HOME/.cache.");
        return java.util.Collections.unmodifiableMap(environment);
    }

    /** {@code .SY}-less synopsis: the command in bold, its option words in bold, operands in italics. */
    private static String synopsis(String command, String synopsis) {
        StringBuilder line = new StringBuilder("\\fB" + troff(command) + "\\fR");
        for (String word : synopsis.split(" ")) {
            line.append(' ').append(synopsisWord(word));
        }
        return line.toString();
    }

    /** "[-afprRv]" in bold within plain brackets, "SOURCE..." in italics. */
    private static String synopsisWord(String word) {
        StringBuilder styled = new StringBuilder();
        StringBuilder name = new StringBuilder();
        for (char c : word.toCharArray()) {
            if (c == '[' || c == ']' || c == '=' || c == '.') {
                styled.append(styledName(name.toString())).append(troff(String.valueOf(c)));
                name.setLength(0);
            } else {
                name.append(c);
            }
        }
        return styled.append(styledName(name.toString())).toString();
    }

    private static String styledName(String name) {
        if (name.isEmpty()) {
            return "";
        }
        return (name.startsWith("-") ? "\\fB" : "\\fI") + troff(name) + "\\fR";
    }

    private static void options(PrintWriter man, Iterable<Option> options) {
        for (Option option : options) {
            man.println(".TP");
            List<String> names = new ArrayList<>();
            for (String name : names(option)) {
                names.add("\\fB" + troff(name) + "\\fR");
            }
            String argument = "";
            if (option.hasArg()) {
                argument = option.hasOptionalArg()
                        ? "[=\\fI" + troff(option.getArgName()) + "\\fR]"
                        : (option.hasLongOpt() ? "=" : " ") + "\\fI" + troff(option.getArgName()) + "\\fR";
            }
            man.println(String.join(", ", names) + argument);
            man.println(troff(option.getDescription()));
        }
    }

    private static String withoutPeriod(String text) {
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * {@code text} as troff text: backslashes and minus signs escaped, and a line that would
     * start with a control character (. or ') protected.
     */
    static String troff(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}

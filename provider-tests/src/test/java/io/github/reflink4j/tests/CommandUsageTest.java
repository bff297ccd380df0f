package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.github.reflink4j.tests.support.CommandRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reflink command's usage errors, run as a subprocess: exit status 2, nothing on stdout, and
 * on stderr one line naming the problem followed by a pointer to the command's --help.
 */
class CommandUsageTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "cp --no-such-option a b            | cp     | --no-such-option",
                "cp -x a b                          | cp     | -x",
                "cp --reflink=sometimes a b         | cp     | 'sometimes' is not one of always, auto, never",
                "cp --reflink sometimes a b         | cp     | 'sometimes' is not one of always, auto, never",
                "cp --reflink \"always\" a b         | cp     | \"always\"",
                "cp --reflink                       | cp     | --reflink",
                "cp --jobs=0 a b                    | cp     | --jobs must be at least 1",
                "cp -j many a b                     | cp     | 'many'",
                "cp --preserve=colour a b           | cp     | 'colour'",
                "cp a                               | cp     | TARGET",
                "cp -v -v a b                       | cp     | --verbose",
                "cp -p -p a b                       | cp     | '-p' should be given only once",
                "cp -pp a b                         | cp     | '-p' should be given only once",
                "cp a b -force                      | cp     | '-force' (a long option takes two dashes",
                "cp -preserve a b                   | cp     | '-preserve'",
                "cp -recursive a b                  | cp     | '-recursive'",
                "cp --rec a b                       | cp     | --rec",
                "probe                              | probe  | DIR",
                "du --no-such-option x              | du     | --no-such-option",
                "dedupe a                           | dedupe | two files",
                "nosuch                             |        | nosuch",
                "--no-such-option                   |        | --no-such-option",
            })
    void aUsageError_exits2_withOneLineNamingIt_andAPointerToHelp(String arguments, String command, String named) {
        CommandRun run = CommandRun.reflink(arguments.split(" "));
        String qualified = command == null ? "reflink" : "reflink " + command;

        assertEquals(2, run.exitCode(), run.stderr());
        assertEquals("", run.stdout());
        List<String> lines = run.stderr().lines().toList();
        assertEquals(2, lines.size(), run.stderr());
        assertTrue(lines.get(0).startsWith(qualified + ": ") && lines.get(0).contains(named), lines.get(0));
        assertEquals("Try '" + qualified + " --help' for more information.", lines.get(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --help            | Usage: reflink
            -h                | Usage: reflink
            help              | Usage: reflink
            help cp           | Usage: reflink cp
            cp -h             | Usage: reflink cp
            cp --nosuch -h    | Usage: reflink cp
            probe --help      | Usage: reflink probe
            help dedupe       | Usage: reflink dedupe
            --version         | reflink
            -V                | reflink
            du -V             | reflink
            """)
    void helpAndVersion_goToStdout_andExit0(String arguments, String start) {
        CommandRun run = CommandRun.reflink(arguments.split(" "));

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith(start + " "), run.stdout());
        assertEquals("", run.stderr());
    }
}

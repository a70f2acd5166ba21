package dev.ballast.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's Byteman against a child JVM: a rule fires only while installed, and a misspelt one never does. */
class BytemanTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @Test
    void aRuleThrowsAtItsPointWhileInstalledAndTheMethodRunsUnchangedAfterItsRemoval() throws Exception {
        Byteman agent = Byteman.onFreePort();
        Path out = temp.resolve("out.log");
        Process child = start(agent, out);
        try {
            Eventually.within(
                    BOUND, "the child running", () -> call(child) && read(out).contains("ok "));
            assertThat(agent.agentVersion()).contains("4.0.27");

            Byteman.InjectedFault fault = agent.inject(Byteman.Rule.throwAtEntry(
                    "target point fails", Target.class.getName(), "point", "new java.io.IOException(\"injected\")"));
            Eventually.within(
                    BOUND,
                    "the rule firing",
                    () -> call(child) && read(out).contains("thrown java.io.IOException: injected"));
            assertThat(fault.firings(read(out))).isPositive();

            fault.close();
            int linesAtRemoval = read(out).split("\n").length;
            Eventually.within(BOUND, "the method unchanged again", () -> {
                call(child);
                String[] lines = read(out).split("\n");
                return lines.length > linesAtRemoval + 3
                        && lines[lines.length - 1].startsWith("ok ")
                        && lines[lines.length - 2].startsWith("ok ");
            });
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRuleForAMethodThatDoesNotExistIsInstalledButNeverFires() throws Exception {
        Byteman agent = Byteman.onFreePort();
        Path out = temp.resolve("out.log");
        Process child = start(agent, out);
        try {
            Eventually.within(
                    BOUND, "the child running", () -> call(child) && read(out).contains("ok "));
            Byteman.InjectedFault misspelt = agent.inject(Byteman.Rule.throwAtEntry(
                    "misspelt point", Target.class.getName(), "pointt", "new java.io.IOException(\"injected\")"));
            int linesAtInstall = read(out).split("\n").length;
            for (int i = 0; i < 6; i++) {
                call(child); // six calls of the method the misspelt rule meant, answered before the check below
            }
            Eventually.within(BOUND, "six calls answered", () -> read(out).split("\n").length >= linesAtInstall + 6);

            assertThat(misspelt.firings(read(out))).isZero();
            assertThat(read(out)).doesNotContain("thrown");
            misspelt.close();
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRuleThatDoesNotParseIsRefused() throws Exception {
        Byteman agent = Byteman.onFreePort();
        Path out = temp.resolve("out.log");
        Process child = start(agent, out);
        try {
            Eventually.within(
                    BOUND, "the child running", () -> call(child) && read(out).contains("ok "));
            Byteman.Rule broken =
                    new Byteman.Rule("broken", Target.class.getName(), "point", "$1 > ) (", "new RuntimeException()");

            assertThatThrownBy(() -> agent.inject(broken))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not install broken");
            assertThat(agent.rules()).doesNotContain("RULE broken");
        } finally {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process start(Byteman agent, Path out) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(agent.jvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Target.class.getName()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
    }

    /** Asks the child for one call of {@link Target#point}; returns true so that it can drive a bounded wait. */
    private static boolean call(Process child) {
        try {
            child.getOutputStream().write('\n');
            child.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path out) {
        try {
            return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The child JVM: calls {@link #point} once per line on its standard input and prints what happened. */
    static final class Target {

        private Target() {}

        static int point(int i) throws java.io.IOException {
            return i;
        }

        public static void main(String[] args) throws Exception {
            java.io.BufferedReader in =
                    new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            int i = 0;
            while (in.readLine() != null) { // ends when the test closes the pipe or dies
                try {
                    System.out.println("ok " + point(i++));
                } catch (java.io.IOException e) {
                    System.out.println("thrown " + e);
                }
            }
        }
    }
}

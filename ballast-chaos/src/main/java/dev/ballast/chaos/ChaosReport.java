package dev.ballast.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension every scenario class registers: it hands the test its {@link Scenario} and, when the test ends,
 * rewrites the report (system property {@code ballast.chaos.report}, default {@code target/chaos-report.md}) with one
 * row per scenario run in this JVM: scenario, fault, invariants, result, recovery time, wall time, commit. A scenario
 * that fails, for any reason (including a machine that cannot run it), is a FAIL row with the reason. Rows are added
 * from the test thread; the list is guarded by the class.
 */
public final class ChaosReport implements ParameterResolver, BeforeTestExecutionCallback, AfterTestExecutionCallback {

    private static final java.util.SortedMap<String, String> ROWS = new java.util.TreeMap<>(ChaosReport::byNumber);

    @SuppressWarnings("TimeInStaticInitializer") // the run's start: the class loads when the suite starts
    private static final String STARTED =
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

    private static final long STARTED_NANOS = System.nanoTime();
    /** Read once, when the run starts: a commit made while the suite runs is not what it runs. */
    private static final String COMMIT = commit();

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ChaosReport.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Scenario.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE)
                .computeIfAbsent("scenario", key -> new Scenario(scenarioId(context)), Scenario.class);
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        context.getStore(NAMESPACE).put("started", System.nanoTime());
    }

    @Override
    public void afterTestExecution(ExtensionContext context) throws IOException {
        Scenario scenario = context.getStore(NAMESPACE)
                .computeIfAbsent("scenario", key -> new Scenario(scenarioId(context)), Scenario.class);
        long started = context.getStore(NAMESPACE).getOrDefault("started", Long.class, System.nanoTime());
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        String result = context.getExecutionException()
                .map(failure -> "FAIL: " + firstLine(failure))
                .orElse("PASS");
        String invariants = scenario.checks().isEmpty()
                ? "-"
                : scenario.checks().stream()
                        .map(check -> (check.passed() ? "" : "**violated:** ") + check.invariant() + " ("
                                + check.detail() + ")")
                        .collect(Collectors.joining("<br>"));
        String recovery =
                scenario.recoveryTime() == null ? "-" : scenario.recoveryTime().toMillis() + " ms";
        String row = "| " + cell(scenario.id()) + " | " + cell(scenario.fault()) + " | " + cell(invariants) + " | "
                + cell(result) + " | " + recovery + " | " + wall.toSeconds() + " s | " + COMMIT + " |";
        synchronized (ChaosReport.class) {
            ROWS.put(scenario.id(), row);
            write();
        }
    }

    private static void write() throws IOException {
        Path report = Path.of(System.getProperty("ballast.chaos.report", "target/chaos-report.md"));
        Files.createDirectories(report.toAbsolutePath().getParent());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - STARTED_NANOS);
        String text = "# Chaos report\n\nRun started " + STARTED + ", "
                + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + Runtime.version() + "; " + ROWS.size() + " scenarios in " + elapsed.toMinutes()
                + " min " + elapsed.toSecondsPart() + " s.\n\n"
                + "| scenario | fault | invariants (evidence) | result | recovery | wall | commit |\n"
                + "|---|---|---|---|---|---|---|\n"
                + String.join("\n", ROWS.values()) + "\n";
        Path tmp = report.resolveSibling(report.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, report, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Scenario ids {@code "(n) title"} in the order of their numbers, then by title. */
    private static int byNumber(String a, String b) {
        int byNumber = Integer.compare(number(a), number(b));
        return byNumber != 0 ? byNumber : a.compareTo(b);
    }

    private static int number(String id) {
        java.util.regex.Matcher matcher =
                java.util.regex.Pattern.compile("^\\((\\d+)\\)").matcher(id);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : Integer.MAX_VALUE;
    }

    /** The test's display name: scenarios name themselves {@code "(n) title"} with {@code @DisplayName}. */
    private static String scenarioId(ExtensionContext context) {
        return context.getDisplayName();
    }

    private static String firstLine(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return failure.getClass().getSimpleName() + ": "
                + message.lines().findFirst().orElse("");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static String commit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            if (!git.waitFor(10, TimeUnit.SECONDS) || git.exitValue() != 0) {
                return "unknown";
            }
            return new String(git.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}

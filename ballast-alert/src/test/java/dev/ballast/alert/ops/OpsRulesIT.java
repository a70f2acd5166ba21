package dev.ballast.alert.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.DebianTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The files in ops/ checked by the tools that read them: promtool (rules and their unit tests) and amtool. */
class OpsRulesIT {

    private final Path ops = DebianTool.opsDir();

    @Test
    void thePrometheusRulesPassTheirPromtoolUnitTests() throws Exception {
        DebianTool promtool = DebianTool.require("promtool", "prometheus");

        DebianTool.Result check = promtool.run(ops.resolve("prometheus"), "check", "rules", "ballast-rules.yml");
        DebianTool.Result test = promtool.run(ops.resolve("prometheus"), "test", "rules", "ballast-rules.test.yml");

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasASeverityARunbookSectionAndAUnitTest() throws Exception {
        String rules = Files.readString(ops.resolve("prometheus/ballast-rules.yml"));
        String tests = Files.readString(ops.resolve("prometheus/ballast-rules.test.yml"));
        String runbooks = Files.readString(ops.getParent().resolve("docs/runbooks.md"));
        Matcher alert = Pattern.compile("- alert: (\\w+)\\n(?:(?!- alert:)[\\s\\S])*?severity: (\\w+)")
                .matcher(rules);
        int count = 0;
        while (alert.find()) {
            String name = alert.group(1);
            count++;
            assertThat(alert.group(2)).as(name).isIn("critical", "warning", "info");
            assertThat(rules).as(name).contains("runbook_url: docs/runbooks.md#" + name.toLowerCase());
            assertThat(runbooks).as(name + " runbook section").contains("## " + name);
            assertThat(tests).as(name + " unit test").contains("alertname: " + name);
        }
        assertThat(count)
                .isEqualTo(Pattern.compile("- alert: ").splitAsStream(rules).count() - 1);
    }

    @Test
    void theAlertmanagerConfigIsValidAndRoutesBySeverity() throws Exception {
        DebianTool amtool = DebianTool.require("amtool", "prometheus-alertmanager");
        Path dir = ops.resolve("alertmanager");

        DebianTool.Result check = amtool.run(dir, "check-config", "alertmanager.yml");

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(route(amtool, dir, "severity=critical")).isEqualTo("ballast-critical");
        assertThat(route(amtool, dir, "severity=warning")).isEqualTo("ballast-warning");
        assertThat(route(amtool, dir, "severity=info")).isEqualTo("ballast-info");
        assertThat(Files.readString(dir.resolve("alertmanager.yml")))
                .contains("/ballast/alertmanager")
                .contains("send_resolved: true");
    }

    private static String route(DebianTool amtool, Path dir, String label) throws Exception {
        DebianTool.Result result =
                amtool.run(dir, "config", "routes", "test", "--config.file=alertmanager.yml", "alertname=X", label);
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output()
                .lines()
                .filter(line -> !line.startsWith("Warning:") && !line.isBlank())
                .findFirst()
                .orElse("");
    }
}

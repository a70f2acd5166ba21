package dev.ballast.example.brokerage.alert;

import dev.ballast.test.DebianTool;
import dev.ballast.test.MonitoringServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prometheus (loading ops/prometheus/ballast-rules.yml, scraping the service every second) and Alertmanager (the
 * shipped ops/alertmanager/alertmanager.yml pointed at the service), each a process of the test's own.
 */
final class MonitoringStack implements AutoCloseable {

    final MonitoringServer alertmanager;
    final MonitoringServer prometheus;

    private MonitoringStack(MonitoringServer alertmanager, MonitoringServer prometheus) {
        this.alertmanager = alertmanager;
        this.prometheus = prometheus;
    }

    static MonitoringStack start(int servicePort, String token) throws IOException, InterruptedException {
        Path ops = DebianTool.opsDir();
        Path tokenFile = Files.createTempFile("ballast-am-token-", ".txt");
        Files.writeString(tokenFile, token);
        String amConfig = Files.readString(ops.resolve("alertmanager/alertmanager.yml"))
                .replace("http://brokerage-service:8080", "http://127.0.0.1:" + servicePort)
                .replace("/etc/alertmanager/ballast-token", tokenFile.toString());
        MonitoringServer alertmanager = MonitoringServer.alertmanager(amConfig);
        String promConfig =
                """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                alerting:
                  alertmanagers:
                    - static_configs:
                        - targets: ['127.0.0.1:%d']
                scrape_configs:
                  - job_name: brokerage
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(ops.resolve("prometheus/ballast-rules.yml"), alertmanager.port(), servicePort);
        try {
            return new MonitoringStack(alertmanager, MonitoringServer.prometheus(promConfig));
        } catch (IOException | InterruptedException | AssertionError e) {
            alertmanager.close();
            throw e;
        }
    }

    @Override
    public void close() {
        prometheus.close();
        alertmanager.close();
    }
}

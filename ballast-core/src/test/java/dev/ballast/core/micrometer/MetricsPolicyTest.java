package dev.ballast.core.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.TaskContext;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Collection;
import org.junit.jupiter.api.Test;

class MetricsPolicyTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LogicExecutor executor = LogicExecutor.create(
            ExecutionPipeline.builder().add(MetricsPolicy.create(registry)).build());

    @Test
    void recordsSuccessesWithDomainTaskOutcomeAndExceptionTags() {
        executor.execute(new TaskContext("Order", "Place", "O-1"), () -> "ok");
        executor.execute(new TaskContext("Order", "Place", "O-2"), () -> "ok");

        Timer timer = registry.get("ballast.task")
                .tags("domain", "Order", "task", "Place", "outcome", "success", "exception", "none")
                .timer();
        assertThat(timer.count()).isEqualTo(2);
    }

    @Test
    void recordsEachFailureOutcomeWithTheExceptionSimpleName() {
        TaskContext context = new TaskContext("Quote", "Read", "005930");
        executor.executeOrDefault(
                context,
                () -> {
                    throw new IOException("feed down");
                },
                0);
        executor.executeWithRecovery(
                context,
                () -> {
                    throw new IOException("feed down");
                },
                e -> 1);
        assertThatThrownBy(() -> executor.execute(context, () -> {
                    throw new ClientException(CommonErrorCode.NOT_FOUND);
                }))
                .isInstanceOf(ClientException.class);

        assertThat(count("default", "IOException")).isEqualTo(1);
        assertThat(count("recovered", "IOException")).isEqualTo(1);
        assertThat(count("failure", "ClientException")).isEqualTo(1);
    }

    @Test
    void metricTagsNeverCarryTheId() {
        for (int i = 0; i < 50; i++) {
            executor.execute(new TaskContext("Order", "Place", "O-" + i), () -> "ok");
        }

        assertThat(registry.getMeters()).hasSize(1);
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags())
                    .extracting(Tag::getKey)
                    .containsExactlyInAnyOrder("domain", "task", "outcome", "exception", "category");
            assertThat(meter.getId().getTags()).extracting(Tag::getValue).noneMatch(v -> v.startsWith("O-"));
        }
    }

    @Test
    void eachFailureCarriesItsCategorySoErrorRatesCanLeaveOutBusinessAnswers() {
        TaskContext context = new TaskContext("Account", "Deposit", "A-1");
        executor.execute(context, () -> "ok");
        assertThatThrownBy(() -> executor.execute(context, () -> {
                    throw new ClientException(CommonErrorCode.NOT_FOUND);
                }))
                .isInstanceOf(ClientException.class);
        executor.executeOrDefault(
                context,
                () -> {
                    throw new IOException("feed down");
                },
                0);
        assertThatThrownBy(() -> executor.execute(context, () -> {
                    throw new IllegalStateException("a bug");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(category("success", "none")).isEqualTo("none");
        assertThat(category("failure", "ClientException")).isEqualTo("business");
        assertThat(category("default", "IOException")).isEqualTo("infrastructure");
        assertThat(category("failure", "IllegalStateException")).isEqualTo("unknown");
    }

    @Test
    void oneExceptionClassInTwoCategoriesGetsOneSeriesPerCategory() {
        TaskContext context = new TaskContext("Account", "Deposit", "A-1");
        executor.executeOrDefault(
                context,
                () -> {
                    throw new SQLException("connection refused", "08001");
                },
                0);
        executor.executeOrDefault(
                context,
                () -> {
                    throw new SQLException("connection refused", "08001");
                },
                0);
        executor.executeOrDefault(
                context,
                () -> {
                    throw new SQLException("syntax error", "42601");
                },
                0);

        Collection<Timer> timers = registry.get("ballast.task")
                .tags("outcome", "default", "exception", "SQLException")
                .timers();
        assertThat(timers)
                .extracting(timer -> timer.getId().getTag("category") + "=" + timer.count())
                .containsExactlyInAnyOrder("infrastructure=2", "unknown=1");
    }

    private String category(String outcome, String exception) {
        return registry.get("ballast.task")
                .tags("outcome", outcome, "exception", exception)
                .timer()
                .getId()
                .getTag("category");
    }

    private long count(String outcome, String exception) {
        return registry.get("ballast.task")
                .tags("outcome", outcome, "exception", exception)
                .timer()
                .count();
    }
}

package dev.ballast.core.snippets;

import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.ServerException;
import dev.ballast.core.TaskContext;
import dev.ballast.core.micrometer.MetricsPolicy;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The examples {@code LogicExecutor}'s Javadoc shows ({@code {@snippet class=... region=...}}): compiled with the
 * tests and run by {@link LogicExecutorSnippetsTest}, so a snippet that no longer compiles or works fails the build.
 */
final class LogicExecutorSnippets {

    private final Map<String, BigDecimal> balances;
    private final LogicExecutor executor;

    LogicExecutorSnippets(MeterRegistry registry, Map<String, BigDecimal> balances) {
        this.balances = balances;
        // @start region="create"
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
                .add(MetricsPolicy.create(registry))
                .add(LoggingPolicy.defaults())
                .build());
        // @end
        this.executor = executor;
    }

    BigDecimal balance(String accountId) {
        // @start region="execute"
        BigDecimal balance = executor.execute(TaskContext.of("Account", "Balance", accountId), () -> {
            BigDecimal found = balances.get(accountId);
            if (found == null) {
                throw new ClientException(CommonErrorCode.NOT_FOUND, "No account " + accountId);
            }
            return found;
        });
        // @end
        return balance;
    }

    BigDecimal balanceOrZero(String accountId) {
        // @start region="default"
        BigDecimal shown = executor.executeOrDefault(
                TaskContext.of("Account", "Preview", accountId), () -> balance(accountId), BigDecimal.ZERO);
        // @end
        return shown;
    }

    BigDecimal balanceAtBoundary(String accountId) {
        // @start region="translate"
        BigDecimal read = executor.executeWithTranslation(
                TaskContext.of("Ledger", "Read", accountId),
                () -> readFromLedger(accountId),
                technical -> new ServerException(CommonErrorCode.UNAVAILABLE, "The ledger is unavailable"));
        // @end
        return read;
    }

    private BigDecimal readFromLedger(String accountId) {
        throw new UncheckedIOException("ledger down for " + accountId, new java.io.IOException("connection reset"));
    }
}

package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static dev.ballast.core.Fixtures.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.Fixtures.Recording;
import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogicExecutorTest {

    private final List<String> journal = Recording.journal();
    private final LogicExecutor executor = LogicExecutor.create(
            ExecutionPipeline.builder().add(new Recording(journal, "p", 0)).build());

    @AfterEach
    void clearInterruptFlag() {
        Thread.interrupted();
    }

    @Test
    void executeReturnsTheTaskResultAndReportsSuccess() {
        assertThat(executor.execute(ORDER, () -> 42)).isEqualTo(42);
        assertThat(journal).containsExactly("p.before", "p.success", "p.after");
    }

    @Test
    void executePropagatesRuntimeExceptionsUnchanged() {
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw boom;
                }))
                .isSameAs(boom);
        assertThat(journal).containsExactly("p.before", "p.failure:failure:UNKNOWN", "p.after");
    }

    @Test
    void executeWrapsCheckedExceptionsInAServerExceptionCarryingTheCause() {
        IOException io = new IOException("disk gone");

        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw io;
                }))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(io))
                .satisfies(
                        e -> assertThat(((ServerException) e).errorCode()).isEqualTo(CommonErrorCode.INTERNAL_ERROR));
        assertThat(journal).contains("p.failure:failure:INFRASTRUCTURE");
    }

    @Test
    void executeUnwrapsACheckedWrapperAroundARuntimeException() {
        ClientException business = rejected();

        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw new ExecutionException(business);
                }))
                .isSameAs(business);
    }

    @Test
    void executeVoidRunsTheTask() {
        AtomicInteger runs = new AtomicInteger();

        executor.executeVoid(ORDER, runs::incrementAndGet);

        assertThat(runs).hasValue(1);
        assertThat(journal).containsExactly("p.before", "p.success", "p.after");
    }

    @Test
    void executeOrDefaultReturnsTheDefaultOnFailureAndReportsOutcomeDefault() {
        String value = executor.executeOrDefault(
                ORDER,
                () -> {
                    throw new IOException("down");
                },
                "fallback");

        assertThat(value).isEqualTo("fallback");
        assertThat(journal).containsExactly("p.before", "p.failure:default:INFRASTRUCTURE", "p.after");
    }

    @Test
    void executeOrDefaultAcceptsANullDefault() {
        String value = executor.executeOrDefault(
                ORDER,
                () -> {
                    throw new IOException("down");
                },
                null);

        assertThat(value).isNull();
    }

    @Test
    void executeWithRecoveryPassesTheUnwrappedExceptionToTheRecovery() {
        ClientException business = rejected();

        String value = executor.executeWithRecovery(
                ORDER,
                () -> {
                    throw new CompletionException(business);
                },
                e -> e == business ? "recovered" : "wrong exception: " + e);

        assertThat(value).isEqualTo("recovered");
        assertThat(journal).containsExactly("p.before", "p.failure:recovered:BUSINESS", "p.after");
    }

    @Test
    void executeWithRecoveryPropagatesWhatTheRecoveryThrowsWithTheOriginalSuppressed() {
        IOException original = new IOException("primary down");
        IllegalStateException fromRecovery = new IllegalStateException("secondary down too");

        assertThatThrownBy(() -> executor.executeWithRecovery(
                        ORDER,
                        () -> {
                            throw original;
                        },
                        e -> {
                            throw fromRecovery;
                        }))
                .isSameAs(fromRecovery)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(original));
        assertThat(journal).contains("p.failure:failure:UNKNOWN");
    }

    @Test
    void executeWithFinallyRunsTheFinallyBlockOnceOnSuccess() {
        AtomicInteger finallyRuns = new AtomicInteger();

        String value = executor.executeWithFinally(ORDER, () -> "done", finallyRuns::incrementAndGet);

        assertThat(value).isEqualTo("done");
        assertThat(finallyRuns).hasValue(1);
    }

    @Test
    void executeWithFinallyRunsOnceOnFailureAndItsExceptionIsSuppressedNotMasking() {
        AtomicInteger finallyRuns = new AtomicInteger();
        IllegalStateException taskFailure = new IllegalStateException("task failed");
        IOException cleanupFailure = new IOException("cleanup failed");

        assertThatThrownBy(() -> executor.executeWithFinally(
                        ORDER,
                        () -> {
                            throw taskFailure;
                        },
                        () -> {
                            finallyRuns.incrementAndGet();
                            throw cleanupFailure;
                        }))
                .isSameAs(taskFailure)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(cleanupFailure));
        assertThat(finallyRuns).hasValue(1);
    }

    @Test
    void executeWithFinallyPropagatesAFinallyFailureWhenTheTaskSucceeded() {
        IOException cleanupFailure = new IOException("cleanup failed");

        assertThatThrownBy(() -> executor.executeWithFinally(ORDER, () -> "done", () -> {
                    throw cleanupFailure;
                }))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(cleanupFailure));
    }

    @Test
    void executeWithFinallyCleanupRethrowingTheTasksOwnExceptionGivesTheCallerThatException() {
        IllegalStateException taskFailure = new IllegalStateException("task failed");
        AtomicReference<Throwable> seenByCleanup = new AtomicReference<>();

        assertThatThrownBy(() -> executor.executeWithFinally(
                        ORDER,
                        () -> {
                            seenByCleanup.set(taskFailure);
                            throw taskFailure;
                        },
                        () -> {
                            throw (RuntimeException)
                                    seenByCleanup.get(); // e.g. a resource that rethrows its last error
                        }))
                .isSameAs(taskFailure)
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
        assertThat(journal).containsExactly("p.before", "p.failure:failure:UNKNOWN", "p.after");
    }

    @Test
    void executeWithFinallyAnErrorFromCleanupWinsOverTheTasksExceptionWhichIsSuppressedOnIt() {
        IOException taskFailure = new IOException("write failed");
        OutOfMemoryError cleanupError = new OutOfMemoryError("simulated");

        assertThatThrownBy(() -> executor.executeWithFinally(
                        ORDER,
                        () -> {
                            throw taskFailure;
                        },
                        () -> {
                            throw cleanupError;
                        }))
                .isSameAs(cleanupError)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(taskFailure));
        assertThat(journal).containsExactly("p.before", "p.failure:failure:UNKNOWN", "p.after");
    }

    @Test
    void executeWithFinallyTheTasksErrorWinsOverAnErrorFromCleanup() {
        StackOverflowError taskError = new StackOverflowError("task");
        OutOfMemoryError cleanupError = new OutOfMemoryError("cleanup");

        assertThatThrownBy(() -> executor.executeWithFinally(
                        ORDER,
                        () -> {
                            throw taskError;
                        },
                        () -> {
                            throw cleanupError;
                        }))
                .isSameAs(taskError)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(cleanupError));
    }

    @Test
    void aTranslatorResultBuiltWithAnExplicitNullCauseKeepsTheOriginalReachableAsSuppressed() {
        IOException original = new IOException("socket closed");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw original;
                        },
                        e -> new IllegalStateException("ledger unavailable", null)))
                .isInstanceOf(IllegalStateException.class)
                .hasNoCause()
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(original));
    }

    @Test
    void aTranslatorResultWithAnotherCauseKeepsTheOriginalReachableAsSuppressed() {
        IOException original = new IOException("socket closed");
        IllegalArgumentException unrelated = new IllegalArgumentException("config");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw original;
                        },
                        e -> new IllegalStateException("ledger unavailable", unrelated)))
                .satisfies(e -> assertThat(e.getCause()).isSameAs(unrelated))
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(original));
    }

    @Test
    void aTranslatorResultThatAlreadyCarriesTheOriginalGetsNothingAdded() {
        IOException original = new IOException("socket closed");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw original;
                        },
                        e -> new IllegalStateException("ledger unavailable", new RuntimeException(e))))
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty())
                .rootCause()
                .isSameAs(original);
    }

    @Test
    void executeWithTranslationThrowsTheDomainExceptionWithTheOriginalAsCause() {
        SQLTransientConnectionException sql = new SQLTransientConnectionException("connection refused");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw sql;
                        },
                        e -> new ServerException(CommonErrorCode.UNAVAILABLE, "orders database unavailable")))
                .isInstanceOf(ServerException.class)
                .hasMessage("orders database unavailable")
                .satisfies(e -> assertThat(e.getCause()).isSameAs(sql));
        assertThat(journal).containsExactly("p.before", "p.failure:translated:INFRASTRUCTURE", "p.after");
    }

    @Test
    void executeWithTranslationSeesThroughUndeclaredThrowableException() {
        IOException io = new IOException("io");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw new UndeclaredThrowableException(io);
                        },
                        e -> new IllegalStateException("translated " + e.getMessage())))
                .hasMessage("translated io");
    }

    @Test
    void aTaskRunningInsideTheExecutorSeesItsContextAsCurrent() {
        assertThat(TaskContext.current()).isEmpty();

        TaskContext seen = executor.execute(ORDER, () -> TaskContext.current().orElseThrow());

        assertThat(seen).isEqualTo(ORDER);
        assertThat(TaskContext.current()).isEmpty();
    }

    @Test
    void theInnermostTaskIsCurrentWhenExecutorsWithAndWithoutPoliciesNestInEitherOrder() {
        LogicExecutor bare = LogicExecutor.create(ExecutionPipeline.builder().build());
        TaskContext stock = Fixtures.STOCK;
        TaskContext invoice = Fixtures.INVOICE;
        List<String> seen = new ArrayList<>();
        Runnable record = Fixtures.recordingCurrentTask(seen);

        executor.executeVoid(ORDER, () -> {
            record.run();
            bare.executeVoid(stock, () -> {
                record.run();
                executor.executeVoid(invoice, record::run);
                record.run();
            });
            record.run();
        });
        bare.executeVoid(stock, () -> {
            executor.executeVoid(invoice, record::run);
            record.run();
        });
        record.run();

        assertThat(seen)
                .containsExactly(
                        ORDER.toString(),
                        stock.toString(),
                        invoice.toString(),
                        stock.toString(),
                        ORDER.toString(),
                        invoice.toString(),
                        stock.toString(),
                        "none");
    }

    @Test
    void aCompletableFutureJoinFailureIsClassifiedByItsCause() {
        CompletableFuture<String> failed = CompletableFuture.failedFuture(rejected());

        assertThatThrownBy(() -> executor.execute(ORDER, failed::join)).isInstanceOf(CompletionException.class);
        assertThat(journal).contains("p.failure:failure:BUSINESS");
    }
}

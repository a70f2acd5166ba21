package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static dev.ballast.core.Fixtures.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.core.Fixtures.Recording;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import dev.ballast.test.LogCapture;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.MDC;

/** The rules that hold for every pattern (LogicExecutor's class Javadoc). */
class ExecutorRulesTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    private final List<String> journal = Recording.journal();
    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
            .add(LoggingPolicy.create(
                    SensitiveDataMasker.defaults(), org.slf4j.event.Level.INFO, Duration.ofSeconds(5)))
            .add(new Recording(journal, "p", 0))
            .build());

    @AfterEach
    void cleanThread() {
        Thread.interrupted();
        MDC.clear();
    }

    @Test
    void anErrorEscapesExecuteOrDefault() {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");

        assertThatThrownBy(() -> executor.executeOrDefault(
                        ORDER,
                        () -> {
                            throw oom;
                        },
                        "default"))
                .isSameAs(oom);
        assertThat(journal).contains("p.failure:failure:UNKNOWN");
    }

    @Test
    void anErrorWrappedInACompletionExceptionIsNeitherRecoveredNorTranslated() {
        StackOverflowError overflow = new StackOverflowError();
        AtomicInteger recoveries = new AtomicInteger();

        assertThatThrownBy(() -> executor.executeWithRecovery(
                        ORDER,
                        () -> {
                            throw new CompletionException(overflow);
                        },
                        e -> recoveries.incrementAndGet()))
                .isSameAs(overflow);
        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw overflow;
                        },
                        e -> new IllegalStateException("must not translate an Error")))
                .isSameAs(overflow);
        assertThat(recoveries).hasValue(0);
    }

    @Test
    void anInterruptedTaskRestoresTheInterruptFlag() {
        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw new InterruptedException("cancelled");
                }))
                .isInstanceOf(ServerException.class)
                .hasCauseInstanceOf(InterruptedException.class);

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void anInterruptedTaskRestoresTheFlagEvenWhenDefaulted() {
        String value = executor.executeOrDefault(
                ORDER,
                () -> {
                    throw new InterruptedException("cancelled");
                },
                "default");

        assertThat(value).isEqualTo("default");
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void anInterruptedCleanupRestoresTheFlagWhenTheTaskFailedWithSomethingElse() {
        IOException taskFailure = new IOException("write failed");

        assertThatThrownBy(() -> executor.executeWithFinally(
                        ORDER,
                        () -> {
                            throw taskFailure;
                        },
                        () -> {
                            throw new InterruptedException("cancelled while releasing");
                        }))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(taskFailure));

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void anInterruptedRecoveryRestoresTheFlagWhenTheTaskFailedWithSomethingElse() {
        IOException taskFailure = new IOException("primary down");
        InterruptedException interrupted = new InterruptedException("cancelled while recovering");

        assertThatThrownBy(() -> executor.executeWithRecovery(
                        ORDER,
                        () -> {
                            throw taskFailure;
                        },
                        e -> {
                            throw Fixtures.sneakyThrow(interrupted);
                        }))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(interrupted))
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(taskFailure));

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void anInterruptedTranslatorRestoresTheFlagWhenTheTaskFailedWithSomethingElse() {
        IOException taskFailure = new IOException("socket closed");
        InterruptedException interrupted = new InterruptedException("cancelled while translating");

        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw taskFailure;
                        },
                        e -> {
                            throw Fixtures.sneakyThrow(interrupted);
                        }))
                .isInstanceOf(ServerException.class)
                .satisfies(e -> assertThat(e.getCause()).isSameAs(interrupted));

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    static List<Arguments> wrappers() {
        return List.of(
                Arguments.of("CompletionException", (Function<Throwable, Throwable>) CompletionException::new),
                Arguments.of("ExecutionException", (Function<Throwable, Throwable>) ExecutionException::new),
                Arguments.of("UndeclaredThrowableException", (Function<Throwable, Throwable>)
                        UndeclaredThrowableException::new),
                Arguments.of(
                        "InvocationTargetException", (Function<Throwable, Throwable>) InvocationTargetException::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void eachOfTheFourWrapperTypesIsUnwrappedForClassificationRecoveryTranslationAndTheLogLine(
            String name, Function<Throwable, Throwable> wrap) {
        ClientException business = rejected();

        String recovered = executor.executeWithRecovery(
                ORDER,
                () -> {
                    throw Fixtures.sneakyThrow(wrap.apply(business));
                },
                e -> e == business ? "got the business exception" : "got " + e);
        assertThatThrownBy(() -> executor.executeWithTranslation(
                        ORDER,
                        () -> {
                            throw Fixtures.sneakyThrow(wrap.apply(business));
                        },
                        e -> new IllegalStateException(
                                "translated " + e.getClass().getSimpleName())))
                .hasMessage("translated ClientException");

        assertThat(recovered).isEqualTo("got the business exception");
        assertThat(journal).contains("p.failure:recovered:BUSINESS", "p.failure:translated:BUSINESS");
        assertThat(logs.events())
                .extracting(ILoggingEvent::getFormattedMessage)
                .allMatch(line -> line.contains("ClientException: quantity must be positive"));
    }

    @Test
    void wrappersNestedDeeperThanTheUnwrapDepthStopAtTheLayerPastTheLimit() {
        IOException io = new IOException("disk gone");
        Throwable nested = io;
        for (int i = 0; i < 20; i++) { // 16 layers are removed, the 17th from the outside is kept
            nested = new CompletionException("layer " + i, nested);
        }
        Throwable tooDeep = nested;
        AtomicReference<Exception> seen = new AtomicReference<>();

        executor.executeWithRecovery(
                ORDER,
                () -> {
                    throw (CompletionException) tooDeep;
                },
                e -> {
                    seen.set(e);
                    return "recovered";
                });

        assertThat(seen.get()).isInstanceOf(CompletionException.class).hasMessage("layer 3");
        assertThat(journal).contains("p.failure:recovered:INFRASTRUCTURE"); // the classifier still walks the causes
    }

    @Test
    void aCycleOfWrappersEndsAtTheUnwrapDepthInsteadOfLooping() {
        CompletionException first = new CompletionException("first") {}; // cause left open, set below
        ExecutionException second = new ExecutionException("second", first);
        first.initCause(second);
        AtomicReference<Exception> seen = new AtomicReference<>();

        String value = executor.executeWithRecovery(
                ORDER,
                () -> {
                    throw first;
                },
                e -> {
                    seen.set(e);
                    return "recovered";
                });

        assertThat(value).isEqualTo("recovered");
        assertThat(seen.get()).isSameAs(first); // 16 layers removed: back where it started
        assertThat(journal).contains("p.failure:recovered:UNKNOWN");
    }

    @Test
    void aFailureLoggedByAnInnerExecutorAndDefaultedByAnOuterOneHasOneStackTrace() {
        String value = executor.executeOrDefault(
                ORDER,
                () -> executor.execute(new TaskContext("Quote", "Read", "005930"), () -> {
                    throw new IllegalStateException("feed parser broke");
                }),
                "fallback");

        assertThat(value).isEqualTo("fallback");
        List<ILoggingEvent> lines = logs.eventsAtLeast(Level.WARN);
        assertThat(lines).extracting(ILoggingEvent::getLevel).containsExactly(Level.ERROR, Level.WARN);
        assertThat(lines).filteredOn(e -> e.getThrowableProxy() != null).hasSize(1);
        assertThat(lines.get(1).getFormattedMessage())
                .isEqualTo("Order.Place [O-1] failed, returned default: IllegalStateException: feed parser broke");
    }

    @Test
    void aBusinessExceptionWrappedInACompletionExceptionIsClassifiedBusiness() {
        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw new CompletionException(rejected());
                }))
                .isInstanceOf(CompletionException.class);

        assertThat(journal).contains("p.failure:failure:BUSINESS");
        assertThat(logs.events()).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getThrowableProxy())
                    .as("business failures log no stack")
                    .isNull();
        });
    }

    @Test
    void mdcIsIdenticalBeforeAndAfterNestedCalls() {
        MDC.put("requestId", "r-9");
        MDC.put("id", "outer-caller-id");
        Map<String, String> before = MDC.getCopyOfContextMap();
        AtomicReference<String> innerId = new AtomicReference<>();
        AtomicReference<String> outerIdAfterInner = new AtomicReference<>();

        executor.executeVoid(new TaskContext("Order", "Place", "O-1"), () -> {
            executor.executeVoid(new TaskContext("Account", "Debit", "A-7"), () -> innerId.set(MDC.get("id")));
            outerIdAfterInner.set(MDC.get("id"));
        });

        assertThat(innerId).hasValue("A-7");
        assertThat(outerIdAfterInner).hasValue("O-1");
        assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
    }

    @Test
    void mdcIsRestoredAfterAFailure() {
        assertThatThrownBy(() -> executor.executeVoid(ORDER, () -> {
                    throw new IOException("x");
                }))
                .isInstanceOf(ServerException.class);

        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }

    @Test
    void oneLogLinePerFailureAcrossThreeNestedExecutors() {
        assertThatThrownBy(() -> executor.execute(
                        new TaskContext("Api", "Order", "1"),
                        () -> executor.execute(
                                new TaskContext("Order", "Place", "1"),
                                () -> executor.execute(new TaskContext("Account", "Debit", "1"), () -> {
                                    throw new IOException("ledger unreachable");
                                }))))
                .isInstanceOf(ServerException.class);

        List<ILoggingEvent> errors = logs.eventsAtLeast(Level.WARN);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getLoggerName()).isEqualTo("ballast.task.Account");
        assertThat(errors.get(0).getLevel()).isEqualTo(Level.ERROR);
        assertThat(errors.get(0).getThrowableProxy()).isNotNull();
        assertThat(journal).containsOnly("p.before", "p.failure:failure:INFRASTRUCTURE", "p.after");
    }

    @Test
    void aTranslatedExceptionIsLoggedOnceAcrossNestedExecutors() {
        assertThatThrownBy(() -> executor.execute(
                        ORDER,
                        () -> executor.executeWithTranslation(
                                new TaskContext("Ledger", "Read", "1"),
                                () -> {
                                    throw new IOException("socket closed");
                                },
                                e -> new ServerException(CommonErrorCode.UNAVAILABLE, "ledger unavailable"))))
                .isInstanceOf(ServerException.class)
                .hasMessage("ledger unavailable");

        assertThat(logs.eventsAtLeast(Level.WARN)).hasSize(1);
    }

    @Test
    void keyValuesDoNotRepeatWhatTheMdcAlreadyHolds() {
        assertThatThrownBy(() -> executor.executeVoid(ORDER, () -> {
                    throw new IllegalStateException("x");
                }))
                .isInstanceOf(IllegalStateException.class);

        ILoggingEvent event = logs.eventsAtLeast(Level.ERROR).get(0);
        assertThat(event.getMDCPropertyMap()).containsKeys("domain", "task", "id");
        assertThat(event.getKeyValuePairs())
                .extracting(kv -> kv.key)
                .containsExactly("outcome", "elapsedMs", "exception");
    }

    @Test
    void withoutTheMdcPolicyTheNamesBecomeKeyValues() {
        LogicExecutor loggingOnly = LogicExecutor.create(
                ExecutionPipeline.builder().add(LoggingPolicy.defaults()).build());

        assertThatThrownBy(() -> loggingOnly.executeVoid(ORDER, () -> {
                    throw new IllegalStateException("x");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(logs.eventsAtLeast(Level.ERROR).get(0).getKeyValuePairs())
                .extracting(kv -> kv.key + "=" + kv.value)
                .contains("domain=Order", "task=Place", "id=O-1");
    }

    @Test
    void everyDefaultIsLogged() {
        for (int i = 0; i < 3; i++) {
            executor.executeOrDefault(
                    ORDER,
                    () -> {
                        throw new IOException("quote feed down");
                    },
                    0);
        }

        assertThat(logs.eventsAtLeast(Level.WARN)).hasSize(3).allSatisfy(e -> assertThat(e.getFormattedMessage())
                .isEqualTo("Order.Place [O-1] failed, returned default: IOException: quote feed down"));
    }

    @Test
    void aUuidTaskIdIsLoggedAndPutInTheMdcUnchangedWhileMessagesAreMasked() {
        TaskContext transfer = new TaskContext("Account", "Transfer", "01a22a46-b123-4567-8901-234567890123");

        assertThatThrownBy(() -> executor.executeVoid(transfer, () -> {
                    throw new IllegalStateException("account 110234567890 frozen, card 4111-1111-1111-1111");
                }))
                .isInstanceOf(IllegalStateException.class);

        ILoggingEvent event = logs.eventsAtLeast(Level.ERROR).get(0);
        assertThat(event.getFormattedMessage())
                .isEqualTo("Account.Transfer [01a22a46-b123-4567-8901-234567890123] failed: IllegalStateException:"
                        + " account ********7890 frozen, card ****-****-****-1111");
        assertThat(event.getMDCPropertyMap()).containsEntry("id", "01a22a46-b123-4567-8901-234567890123");
    }

    /**
     * Found by a new user's check: the line's message was masked, but a JSON encoder also writes the attached failure's
     * own message (ECS {@code error.message}) and stack trace, which carried the card number and the e-mail address.
     */
    @Test
    void theFailureAttachedToALogLineCarriesMaskedMessagesAndItsCausesToo() {
        RuntimeException failure = new IllegalStateException(
                "card 4111-1111-1111-1111 declined", new IOException("mail to john.doe@example.com bounced"));

        ILoggingEvent event = errorLineOf(failure);
        assertThat(event.getThrowableProxy().getMessage()).isEqualTo("card ****-****-****-1111 declined");
        assertThat(event.getThrowableProxy().getCause().getMessage()).isEqualTo("mail to j*******@example.com bounced");
        assertThat(event.getThrowableProxy().getStackTraceElementProxyArray())
                .as("the original frames")
                .hasSize(failure.getStackTrace().length);
        assertThat(event.getKeyValuePairs()).anySatisfy(pair -> {
            assertThat(pair.key).isEqualTo("exception");
            assertThat(pair.value).isEqualTo(IllegalStateException.class.getName());
        });
    }

    @Test
    void aFailureWithNothingToMaskIsAttachedToItsLogLineAsItIs() {
        assertThat(errorLineOf(new IllegalStateException("quote feed down"))
                        .getThrowableProxy()
                        .getClassName())
                .isEqualTo(IllegalStateException.class.getName());
    }

    /** Runs a task that throws {@code failure}: the caller gets it as it is; returns the ERROR line written for it. */
    private ILoggingEvent errorLineOf(RuntimeException failure) {
        assertThatThrownBy(() -> executor.executeVoid(ORDER, () -> {
                    throw failure;
                }))
                .isSameAs(failure);
        return logs.eventsAtLeast(Level.ERROR).get(0);
    }
}

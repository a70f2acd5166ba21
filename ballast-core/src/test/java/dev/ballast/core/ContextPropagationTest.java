package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.policy.MdcPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class ContextPropagationTest {

    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(MdcPolicy.create(SensitiveDataMasker.none()))
            .build());

    @AfterEach
    void cleanThread() {
        MDC.clear();
    }

    @Test
    void taskContextAndMdcFollowWorkToAPlatformThreadPool() throws Exception {
        try (ExecutorService pool = ContextPropagation.wrap(Executors.newFixedThreadPool(1))) {
            Future<Seen> seen = executor.execute(ORDER, () -> pool.submit(Seen::capture));

            assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(new Seen(Optional.of(ORDER), "O-1", "Order"));
        }
    }

    @Test
    void taskContextAndMdcFollowWorkToVirtualThreads() throws Exception {
        try (ExecutorService virtual = ContextPropagation.wrap(Executors.newVirtualThreadPerTaskExecutor())) {
            List<Future<Seen>> seen = executor.execute(
                    ORDER, () -> virtual.invokeAll(List.of(Seen::capture, Seen::capture, Seen::capture)));

            for (Future<Seen> each : seen) {
                assertThat(each.get(5, TimeUnit.SECONDS)).isEqualTo(new Seen(Optional.of(ORDER), "O-1", "Order"));
            }
        }
    }

    @Test
    void aPooledWorkerGetsItsOwnContextBackAfterTheTask() throws Exception {
        try (ExecutorService raw = Executors.newSingleThreadExecutor()) {
            ExecutorService pool = ContextPropagation.wrap(raw);
            executor.execute(ORDER, () -> pool.submit(() -> "warm").get());

            Seen afterwards = raw.submit(Seen::capture).get(5, TimeUnit.SECONDS);

            assertThat(afterwards).isEqualTo(new Seen(Optional.empty(), null, null));
        }
    }

    @Test
    void aWrappedCallableCarriesWhatTheSubmitterHadAtWrapTime() throws Exception {
        MDC.put("requestId", "r-1");
        Callable<Map<String, String>> wrapped = ContextPropagation.wrap(MDC::getCopyOfContextMap);
        MDC.clear();

        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            assertThat(pool.submit(wrapped).get(5, TimeUnit.SECONDS)).containsEntry("requestId", "r-1");
        }
    }

    @Test
    void wrappingTwiceDoesNotWrapAgain() {
        try (ExecutorService pool = ContextPropagation.wrap(Executors.newSingleThreadExecutor())) {
            assertThat(ContextPropagation.wrap(pool)).isSameAs(pool);
        }
    }

    private record Seen(Optional<TaskContext> context, String mdcId, String mdcDomain) {
        static Seen capture() {
            return new Seen(TaskContext.current(), MDC.get("id"), MDC.get("domain"));
        }
    }
}

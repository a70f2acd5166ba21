package dev.ballast.bench.executor;

import dev.ballast.core.CheckedSupplier;
import java.util.function.Supplier;

/**
 * The task every subject runs. It implements each library's task type itself, so no adapter allocates a lambda per
 * call and the comparison measures the libraries, not the harness.
 */
final class BenchTask
        implements Supplier<Object>, CheckedSupplier<Object>, dev.failsafe.function.CheckedSupplier<Object> {

    private final Object value;
    private final RuntimeException failure;

    BenchTask(Object value, RuntimeException failure) {
        this.value = value;
        this.failure = failure;
    }

    @Override
    public Object get() {
        if (failure != null) {
            throw failure;
        }
        return value;
    }
}

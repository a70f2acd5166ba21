package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadPoolExecutor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@code executor.resize}: raises an executor bean's maximum pool size ({@code pool} = bean name, as in Micrometer's
 * {@code executor.*} meters; {@code max} = the new maximum, default twice the current), within {@code limit}. A
 * fixed-size pool (core size = maximum, the usual bulkhead with a bounded queue) gets its core size raised with it:
 * such a pool adds threads beyond its core size only once its queue is full, so a raised maximum alone would leave the
 * queued tasks waiting (found while building chaos scenario (20)).
 */
final class ResizePoolOperation implements ActionOperation {

    private final ListableBeanFactory beans;
    private final int limit;

    ResizePoolOperation(ListableBeanFactory beans, int limit) {
        this.beans = beans;
        this.limit = limit;
    }

    @Override
    public String name() {
        return "executor.resize";
    }

    @Override
    public Set<String> argumentNames() {
        return Set.of("pool", "max");
    }

    /** Acts on the instance that performs it: its links are bound to one instance. */
    @Override
    public boolean perInstance() {
        return true;
    }

    @Override
    public void checkArguments(Map<String, String> arguments) {
        if (arguments.get("pool") == null || arguments.get("pool").isBlank()) {
            throw new IllegalArgumentException("No pool given: use pool=<an executor bean's name>");
        }
        String max = arguments.get("max");
        if (max == null) {
            return;
        }
        long wanted = wholeNumber(max);
        if (wanted < 1 || wanted > limit) {
            throw new IllegalArgumentException("New maximum " + max.strip() + " must be between 1 and " + limit);
        }
    }

    @Override
    public String describe(Map<String, String> arguments) {
        Pool pool = pool(arguments);
        int after = target(arguments, pool);
        String what =
                pool.core() == pool.max() && after > pool.max() ? "pool size (core and maximum)" : "maximum pool size";
        String change = after == pool.max()
                ? "Keep the " + what + " of executor '" + arguments.get("pool") + "' at " + after
                : (after > pool.max() ? "Raise" : "Lower") + " the " + what + " of executor '" + arguments.get("pool")
                        + "' from " + pool.max() + " to " + after;
        return change + " (at most " + limit + ").";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) {
        Pool pool = pool(arguments);
        int before = pool.max();
        int after = target(arguments, pool);
        pool.setMax(after);
        if (pool.core() == before && after > before) {
            pool.setCore(after);
            return "Executor '" + arguments.get("pool") + "' pool size (core and maximum) " + before + " \u2192 "
                    + after;
        }
        return "Executor '" + arguments.get("pool") + "' maximum pool size " + before + " \u2192 " + after;
    }

    private int target(Map<String, String> arguments, Pool pool) {
        String max = arguments.get("max");
        long wanted = max != null ? wholeNumber(max) : Math.min((long) pool.max() * 2, limit);
        if (wanted < pool.core() || wanted > limit) {
            throw new IllegalArgumentException("New maximum " + (max != null ? max.strip() : wanted)
                    + " must be between the core size " + pool.core() + " and " + limit);
        }
        return (int) wanted;
    }

    /** {@code max} as a whole number; one too large for a {@code long} is over any limit: it reads as the largest. */
    private static long wholeNumber(String max) {
        String digits = max.strip();
        if (!digits.matches("[+-]?\\d+")) {
            throw new IllegalArgumentException("max must be a whole number, was '" + max + "'");
        }
        return digits.replaceFirst("^[+-]", "").length() > 18
                ? (digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE)
                : Long.parseLong(digits);
    }

    private Pool pool(Map<String, String> arguments) {
        String name = arguments.get("pool");
        if (name == null) {
            throw new IllegalArgumentException(
                    "No pool given: use pool=<an executor bean's name>; resizable here: " + resizable());
        }
        Object bean;
        try {
            bean = beans.getBean(name);
        } catch (NoSuchBeanDefinitionException e) {
            throw new IllegalArgumentException("No executor bean named '" + name + "'; resizable here: " + resizable());
        }
        if (bean instanceof ThreadPoolTaskExecutor spring) {
            return new Pool(
                    spring.getCorePoolSize(), spring.getMaxPoolSize(), spring::setMaxPoolSize, spring::setCorePoolSize);
        }
        if (bean instanceof ThreadPoolExecutor jdk) {
            return new Pool(
                    jdk.getCorePoolSize(), jdk.getMaximumPoolSize(), jdk::setMaximumPoolSize, jdk::setCorePoolSize);
        }
        throw new IllegalArgumentException("Bean '" + name + "' is not a thread pool executor");
    }

    /** The names of the pools this operation can resize, sorted. */
    private java.util.List<String> resizable() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        names.addAll(java.util.Arrays.asList(beans.getBeanNamesForType(ThreadPoolTaskExecutor.class, false, false)));
        names.addAll(java.util.Arrays.asList(beans.getBeanNamesForType(ThreadPoolExecutor.class, false, false)));
        return java.util.List.copyOf(names);
    }

    private record Pool(
            int core, int max, java.util.function.IntConsumer maxSetter, java.util.function.IntConsumer coreSetter) {
        void setMax(int value) {
            maxSetter.accept(value);
        }

        void setCore(int value) {
            coreSetter.accept(value);
        }
    }
}

package dev.ballast.lock.resilient;

import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The two application instances, A and B, of a resilient lock failover test, with an admin pool for the test's own
 * queries; closing it closes both instances and drops the test's tables. Drive it from the test thread.
 */
final class ResilientPair implements AutoCloseable {

    final HikariDataSource admin = ResilientInstance.pool(2);
    final List<ResilientInstance> instances = new ArrayList<>();
    final ResilientInstance a;
    final ResilientInstance b;
    private final String prefix;
    private final String[] moreTables;

    /** Starts A and B with {@code start}; {@code moreTables} (without the prefix) are dropped with the lock tables. */
    ResilientPair(String prefix, Function<String, ResilientInstance> start, String... moreTables) {
        this.prefix = prefix;
        this.moreTables = moreTables.clone();
        a = start.apply("A");
        instances.add(a);
        b = start.apply("B");
        instances.add(b);
    }

    /** Starts {@code perInstance} platform threads per instance, named {@code worker-<instance><n>}, running {@code work}. */
    List<Thread> workers(int perInstance, Consumer<ResilientInstance> work) {
        List<Thread> workers = new ArrayList<>();
        for (ResilientInstance instance : instances) {
            for (int i = 0; i < perInstance; i++) {
                workers.add(
                        Thread.ofPlatform().name("worker-" + instance.name + i).start(() -> work.accept(instance)));
            }
        }
        return workers;
    }

    /** Grants counted under {@code backend} on both instances. */
    long grants(String backend) {
        return ResilientInstance.grants(instances, backend);
    }

    @Override
    public void close() throws Exception {
        for (ResilientInstance instance : instances) {
            instance.close();
        }
        ResilientInstance.dropTables(admin, prefix, moreTables);
    }
}

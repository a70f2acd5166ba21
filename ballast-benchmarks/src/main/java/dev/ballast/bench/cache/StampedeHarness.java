package dev.ballast.bench.cache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cache stampede across instances (issue 3, point 12), printed as a table: {@code instances} instances, each with its
 * own L1 and Redis connections, each sending {@code concurrency} concurrent requests for one hot key that has just been
 * evicted, whose loader takes 50 ms; {@code trials} trials per subject. Reports loader calls per trial (cluster-wide)
 * and request latency p50/p99/max over all trials, for Ballast and, in the same run on the same Redis, Spring's
 * {@code RedisCacheManager} as {@code @Cacheable} uses it without and with {@code sync}, and Caffeine alone.
 *
 * <p>{@code jvms} mode runs every instance in its own child JVM (the headline); {@code inproc} runs them in this JVM.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cache.StampedeHarness [jvms|inproc]
 * [trials=20] [instances=4] [concurrency=250] [redisPort=6379] [subjects=ballast,spring-sync-false,spring-sync-true,caffeine]}
 */
public final class StampedeHarness {

    private static final String KEY = "005930";
    private static final Duration LOADER_TIME = Duration.ofMillis(50);
    private static final Duration TTL = Duration.ofMinutes(10);
    /** Trials run and discarded first, so every subject's code paths are compiled as in a long-running service. */
    private static final int WARM_UP_TRIALS = 10;

    private StampedeHarness() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        boolean jvms = args.length <= 0 || !args[0].equals("inproc");
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int instances = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 250;
        int redisPort = args.length > 4 ? Integer.parseInt(args[4]) : 6379;
        List<String> subjects = Arrays.asList(
                (args.length > 5 ? args[5] : "ballast,spring-sync-false,spring-sync-true,caffeine").split(","));
        System.out.printf(
                "Stampede: %s, %d instances x %d concurrent requests, loader %d ms, %d trials after %d warm-up trials,"
                        + " Java %s, %d CPUs%n",
                jvms ? "one JVM per instance" : "instances in one JVM",
                instances,
                concurrency,
                LOADER_TIME.toMillis(),
                trials,
                WARM_UP_TRIALS,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        List<Row> rows = new ArrayList<>();
        for (String subject : subjects) {
            rows.add(run(subject, jvms, trials, instances, concurrency, redisPort));
        }
        print(rows);
    }

    /**
     * One subject's stampedes: {@code instances} instances (child JVMs when {@code jvms}), {@link #WARM_UP_TRIALS}
     * warm-up stampedes, then {@code trials} measured ones. {@code redisPort}: the Redis, or any node of a cluster for
     * {@code ballast-cluster}.
     */
    public static Row run(String subject, boolean jvms, int trials, int instances, int concurrency, int redisPort)
            throws Exception {
        String cacheName = "stampede-" + UUID.randomUUID().toString().substring(0, 8);
        List<Instance> cluster = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            cluster.add(
                    jvms
                            ? new ChildInstance(subject, cacheName, redisPort, concurrency)
                            : new LocalInstance(subject, cacheName, redisPort, concurrency));
        }
        try {
            int[] calls = new int[trials];
            long[] slowest = new long[trials];
            List<long[]> latencies = new ArrayList<>();
            for (int warmUp = 0; warmUp < WARM_UP_TRIALS; warmUp++) {
                trial(cluster);
            }
            for (int t = 0; t < trials; t++) {
                Trial result = trial(cluster);
                calls[t] = result.loads;
                slowest[t] = Arrays.stream(result.latenciesMicros).max().orElse(0) / 1000;
                latencies.add(result.latenciesMicros);
            }
            long[] all =
                    latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new Row(subject, calls, slowest, all);
        } finally {
            for (Instance instance : cluster) {
                instance.close();
            }
        }
    }

    @SuppressWarnings("ArrayRecordComponent") // results carried to the report, never compared
    private record Trial(int loads, long[] latenciesMicros) {}

    private static Trial trial(List<Instance> cluster) throws Exception {
        for (Instance instance : cluster) {
            instance.evict();
        }
        Thread.sleep(300); // evictions and invalidations settle
        for (Instance instance : cluster) {
            instance.arm();
        }
        for (Instance instance : cluster) {
            instance.go();
        }
        int loads = 0;
        List<long[]> latencies = new ArrayList<>();
        for (Instance instance : cluster) {
            Trial one = instance.collect();
            loads += one.loads;
            latencies.add(one.latenciesMicros);
        }
        return new Trial(loads, latencies.stream().flatMapToLong(Arrays::stream).toArray());
    }

    /** An instance of the service: evict the hot key, arm its callers, release them, collect their results. */
    @SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
    private interface Instance extends AutoCloseable {
        void evict() throws Exception;

        void arm() throws Exception;

        void go() throws Exception;

        Trial collect() throws Exception;
    }

    private static final class LocalInstance implements Instance {
        private final CacheSubject cache;
        private final int concurrency;
        private final AtomicInteger loads = new AtomicInteger();
        private CountDownLatch start;
        private List<FutureTask<Long>> callers;

        LocalInstance(String subject, String cacheName, int redisPort, int concurrency) {
            this.cache = CacheSubject.create(subject, cacheName, redisPort, TTL);
            this.concurrency = concurrency;
        }

        @Override
        public void evict() {
            cache.evict(KEY);
            loads.set(0);
        }

        @Override
        public void arm() {
            CountDownLatch gate = new CountDownLatch(1);
            List<FutureTask<Long>> tasks = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                FutureTask<Long> task = new FutureTask<>(() -> {
                    gate.await();
                    long begin = System.nanoTime();
                    cache.get(KEY, () -> {
                        loads.incrementAndGet();
                        Thread.sleep(LOADER_TIME);
                        return "71200.00";
                    });
                    return (System.nanoTime() - begin) / 1000;
                });
                Thread.ofVirtual().start(task);
                tasks.add(task);
            }
            start = gate;
            callers = tasks;
        }

        @Override
        public void go() {
            start.countDown();
        }

        @Override
        public Trial collect() throws Exception {
            long[] micros = new long[callers.size()];
            for (int i = 0; i < micros.length; i++) {
                micros[i] = callers.get(i).get();
            }
            return new Trial(loads.get(), micros);
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    /** An instance in a child JVM, driven by lines on its stdin and answering on its stdout. */
    @SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
    private static final class ChildInstance implements Instance {
        private final Process process;
        private final PrintWriter commands;
        private final BufferedReader replies;

        ChildInstance(String subject, String cacheName, int redisPort, int concurrency) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(
                            java,
                            // a fixed heap, as a service runs with: left to size itself, G1 kept these JVMs at about
                            // 50 MB and collected every few seconds, so pauses of 10-35 ms fell into trials at random
                            "-Xms256m",
                            "-Xmx256m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            StampedeHarness.class.getName(),
                            "child",
                            subject,
                            cacheName,
                            Integer.toString(redisPort),
                            Integer.toString(concurrency))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            expect("READY");
        }

        private String expect(String prefix) throws IOException {
            String line = replies.readLine();
            if (line == null || !line.startsWith(prefix)) {
                throw new IllegalStateException("child said " + line + ", expected " + prefix);
            }
            return line;
        }

        @Override
        public void evict() throws IOException {
            commands.println("EVICT");
            expect("OK");
        }

        @Override
        public void arm() throws IOException {
            commands.println("ARM");
            expect("OK");
        }

        @Override
        public void go() {
            commands.println("GO");
        }

        @Override
        public Trial collect() throws IOException {
            String[] parts = expect("DONE").split(" ");
            long[] micros = Arrays.stream(parts[2].split(","))
                    .mapToLong(Long::parseLong)
                    .toArray();
            return new Trial(Integer.parseInt(parts[1]), micros);
        }

        @Override
        public void close() throws Exception {
            commands.println("QUIT");
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void child(String subject, String cacheName, int redisPort, int concurrency) throws Exception {
        PrintStream protocol = System.out;
        System.setOut(System.err); // logging must not mix with the protocol
        LocalInstance instance = new LocalInstance(subject, cacheName, redisPort, concurrency);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        protocol.println("READY");
        protocol.flush();
        for (String line = in.readLine(); line != null && !line.equals("QUIT"); line = in.readLine()) {
            switch (line) {
                case "EVICT" -> {
                    instance.evict();
                    protocol.println("OK");
                }
                case "ARM" -> {
                    instance.arm();
                    protocol.println("OK");
                }
                case "GO" -> {
                    instance.go();
                    Trial trial = instance.collect();
                    StringBuilder micros = new StringBuilder();
                    for (long m : trial.latenciesMicros) {
                        micros.append(micros.isEmpty() ? "" : ",").append(m);
                    }
                    protocol.println("DONE " + trial.loads + " " + micros);
                }
                default -> throw new IllegalStateException("unknown command " + line);
            }
            protocol.flush();
        }
        instance.close();
        System.exit(0);
    }

    /** Loader calls and slowest latency per stampede, every caller's latency (µs, sorted). */
    @SuppressWarnings("ArrayRecordComponent") // results carried to the report, never compared
    public record Row(String subject, int[] calls, long[] slowestMillisPerTrial, long[] sortedMicros) {
        /** The {@code q} quantile of every caller's latency, in ms. */
        public double p(double q) {
            return sortedMicros[(int) Math.min(sortedMicros.length - 1, Math.ceil(q * sortedMicros.length) - 1)]
                    / 1000.0;
        }

        /** Stampedes with exactly one loader call across the instances. */
        public long exactlyOne() {
            return Arrays.stream(calls).filter(c -> c == 1).count();
        }
    }

    private static void print(List<Row> rows) {
        Row ballast = rows.stream()
                .filter(r -> r.subject.equals("ballast"))
                .findFirst()
                .orElse(rows.getFirst());
        System.out.println();
        System.out.println(
                "| subject | loader calls per trial (min / median / max) | trials with exactly 1 | p50 ms | p99 ms | max ms | p99 x ballast |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            int[] sorted = row.calls.clone();
            Arrays.sort(sorted);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d / %d / %d | %d of %d | %.1f | %.1f | %.1f | %.2f |%n",
                    row.subject,
                    sorted[0],
                    sorted[sorted.length / 2],
                    sorted[sorted.length - 1],
                    row.exactlyOne(),
                    sorted.length,
                    row.p(0.50),
                    row.p(0.99),
                    row.p(1.0),
                    row.p(0.99) / ballast.p(0.99));
        }
        for (Row row : rows) {
            System.out.println(row.subject + " calls per trial: " + Arrays.toString(row.calls));
            System.out.println(
                    row.subject + " slowest request per trial, ms: " + Arrays.toString(row.slowestMillisPerTrial));
        }
    }
}

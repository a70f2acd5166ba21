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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance of the service in {@link StampedeHarness}'s stampedes: evict the hot key, arm its callers, release
 * them, collect their results. {@link Local} runs in this JVM; {@link Child} drives a {@link Local} in a child JVM of
 * its own through lines on the child's stdin and stdout ({@link #child}).
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
interface StampedeInstance extends AutoCloseable {

    String KEY = "005930";
    Duration LOADER_TIME = Duration.ofMillis(50);
    Duration TTL = Duration.ofMinutes(10);

    void evict() throws Exception;

    void arm() throws Exception;

    void go() throws Exception;

    Trial collect() throws Exception;

    /** One instance's stampede: its loader calls and every caller's latency. */
    @SuppressWarnings("ArrayRecordComponent") // results carried to the report, never compared
    record Trial(int loads, long[] latenciesMicros) {}

    /** An instance in this JVM. */
    final class Local implements StampedeInstance {
        private final CacheSubject cache;
        private final int concurrency;
        private final AtomicInteger loads = new AtomicInteger();
        private CountDownLatch start;
        private List<FutureTask<Long>> callers;

        Local(String subject, String cacheName, int redisPort, int concurrency) {
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
    final class Child implements StampedeInstance {
        private final Process process;
        private final PrintWriter commands;
        private final BufferedReader replies;

        Child(String subject, String cacheName, int redisPort, int concurrency) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(
                            java,
                            // a fixed heap, as a service runs with: left to size itself, G1 kept these JVMs at about
                            // 50 MB and collected every few seconds, so pauses of 10-35 ms fell into trials at random;
                            // and a fixed young generation: with G1's small initial one, the first young pause (3-13
                            // ms) came about 4 s after start, inside the measured stampedes of the subjects whose
                            // start-up had not collected already (GC logs of 2026-12-04: Caffeine alone's children
                            // paused there, Ballast's only during start-up), which tilted the p99 by GC timing
                            "-Xms256m",
                            "-Xmx256m",
                            "-Xmn128m",
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

    /** The child JVM's side: a {@link Local} instance driven by the lines on stdin, answering on stdout. */
    static void child(String subject, String cacheName, int redisPort, int concurrency) throws Exception {
        PrintStream protocol = System.out;
        System.setOut(System.err); // logging must not mix with the protocol
        Local instance = new Local(subject, cacheName, redisPort, concurrency);
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
                    for (long m : trial.latenciesMicros()) {
                        micros.append(micros.isEmpty() ? "" : ",").append(m);
                    }
                    protocol.println("DONE " + trial.loads() + " " + micros);
                }
                default -> throw new IllegalStateException("unknown command " + line);
            }
            protocol.flush();
        }
        instance.close();
        System.exit(0);
    }
}

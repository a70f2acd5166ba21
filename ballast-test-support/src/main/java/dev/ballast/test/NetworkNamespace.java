package dev.ballast.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux network namespace of the test's own, joined to the host by a veth pair on a private /30 ({@code
 * 10.200.x.y}: the host side {@code y+1}, the namespace side {@code y+2}), for faults the kernel applies: iptables rules
 * in the namespace's {@code OUTPUT} chain DROP (a blackhole: the sender retransmits until it gives up) or REJECT (a TCP
 * reset) the namespace's traffic to one port of the host side, and are removed at run time. A process runs inside
 * through {@link #execPrefix()} ({@code ip netns exec <name>}); it reaches the host only at {@link #hostAddress()}, so
 * what it should reach listens there (e.g. a {@link FaultProxy#start(InetAddress, int)} in front of a server on
 * 127.0.0.1). The rules live in the namespace and vanish with it: the host's own iptables are never changed.
 *
 * <p>Needs root, {@code ip} (iproute2) and {@code iptables}. Names are unique per test JVM ({@code bt<pid>n<k>}); a
 * namespace left behind by a test JVM that no longer runs (killed before {@link #close()}) is deleted by the next
 * {@link #create()}. Not thread-safe.
 */
@SuppressWarnings("try") // close() waits for the ip commands; an interrupt then is the caller's
public final class NetworkNamespace implements AutoCloseable {

    private static final String PREFIX = "bt";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)n(\\d+)\\b", Pattern.MULTILINE);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final String hostVeth;
    private final InetAddress hostAddress;
    private final InetAddress namespaceAddress;
    private boolean closed;

    private NetworkNamespace(String name, String hostVeth, InetAddress hostAddress, InetAddress namespaceAddress) {
        this.name = name;
        this.hostVeth = hostVeth;
        this.hostAddress = hostAddress;
        this.namespaceAddress = namespaceAddress;
    }

    /** Creates the namespace and its veth pair on a /30 of 10.200.0.0/16 no interface of the host uses yet. */
    public static NetworkNamespace create() throws IOException, InterruptedException {
        removeOrphans();
        String name = PREFIX + ProcessHandle.current().pid() + "n" + SEQUENCE.incrementAndGet();
        // interface names are at most 15 characters: "h"/"n" + the namespace's name
        String hostVeth = "h" + name;
        String namespaceVeth = "n" + name;
        if (hostVeth.length() > 15) {
            throw new IllegalStateException("interface name too long: " + hostVeth);
        }
        String used = run("ip", "-o", "-4", "addr", "show");
        int third;
        int fourth;
        do {
            third = ThreadLocalRandom.current().nextInt(256);
            fourth = 4 * ThreadLocalRandom.current().nextInt(64);
        } while (used.contains(" 10.200." + third + "." + (fourth + 1) + "/"));
        InetAddress host = address(third, fourth + 1);
        InetAddress inside = address(third, fourth + 2);
        NetworkNamespace namespace = new NetworkNamespace(name, hostVeth, host, inside);
        try {
            run("ip", "netns", "add", name);
            run("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", namespaceVeth);
            run("ip", "link", "set", namespaceVeth, "netns", name);
            run("ip", "addr", "add", host.getHostAddress() + "/30", "dev", hostVeth);
            run("ip", "link", "set", hostVeth, "up");
            namespace.exec("ip", "addr", "add", inside.getHostAddress() + "/30", "dev", namespaceVeth);
            namespace.exec("ip", "link", "set", namespaceVeth, "up");
            namespace.exec("ip", "link", "set", "lo", "up");
            return namespace;
        } catch (IOException | RuntimeException e) {
            namespace.close();
            throw e;
        }
    }

    /** The namespace's name (for {@code ip netns exec}). */
    public String name() {
        return name;
    }

    /** The host side of the veth pair: the only address of the host a process inside reaches. */
    public InetAddress hostAddress() {
        return hostAddress;
    }

    /** The namespace side of the veth pair: where the host reaches a server inside. */
    public InetAddress namespaceAddress() {
        return namespaceAddress;
    }

    /** The command prefix that runs a program inside: {@code ip netns exec <name>}. */
    public List<String> execPrefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /**
     * Drops every packet from the namespace to {@code hostPort} on {@link #hostAddress()}: connections in flight stall
     * (retransmits, no answer), new ones time out. Until {@link #heal()}.
     */
    public void drop(int hostPort) throws IOException, InterruptedException {
        exec(rule("-A", hostPort, "DROP"));
    }

    /** Rejects the namespace's TCP traffic to {@code hostPort} with a reset: the sender learns at once. */
    public void reject(int hostPort) throws IOException, InterruptedException {
        List<String> rule = new ArrayList<>(List.of(rule("-A", hostPort, "REJECT")));
        rule.addAll(List.of("--reject-with", "tcp-reset"));
        exec(rule.toArray(String[]::new));
    }

    /** The namespace's {@code OUTPUT} rules, as {@code iptables -S} prints them. */
    public String rules() throws IOException, InterruptedException {
        return exec("iptables", "-S", "OUTPUT");
    }

    /**
     * How many packets the namespace's rules for {@code hostPort} dropped or rejected so far (the kernel's counters):
     * evidence that the fault really met traffic.
     */
    public long packetsStopped(int hostPort) throws IOException, InterruptedException {
        long packets = 0;
        for (String line : exec("iptables", "-L", "OUTPUT", "-v", "-n", "-x").split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (line.contains("dpt:" + hostPort) && fields.length > 0 && fields[0].matches("[0-9]+")) {
                packets += Long.parseLong(fields[0]);
            }
        }
        return packets;
    }

    /** Removes every rule {@link #drop} and {@link #reject} added. */
    public void heal() throws IOException, InterruptedException {
        exec("iptables", "-F", "OUTPUT");
    }

    /** Runs {@code command} inside the namespace; returns its output, fails on a non-zero exit. */
    public String exec(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(execPrefix());
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    /** Deletes the veth pair and the namespace (every process inside should have exited). Idempotent. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        remove(name, hostVeth);
    }

    private String[] rule(String action, int hostPort, String target) {
        return new String[] {
            "iptables",
            action,
            "OUTPUT",
            "-p",
            "tcp",
            "-d",
            hostAddress.getHostAddress(),
            "--dport",
            Integer.toString(hostPort),
            "-j",
            target
        };
    }

    private static void remove(String name, String hostVeth) throws IOException, InterruptedException {
        IOException first = null;
        try {
            runIgnoringAbsence("ip", "link", "del", hostVeth); // its peer goes with it
        } catch (IOException e) {
            first = e;
        }
        try {
            runIgnoringAbsence("ip", "netns", "del", name);
        } catch (IOException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Deletes the namespaces of test JVMs that no longer run. */
    private static void removeOrphans() throws IOException, InterruptedException {
        Matcher ours = OURS.matcher(run("ip", "netns", "list"));
        while (ours.find()) {
            long pid = Long.parseLong(ours.group(1));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            String orphan = ours.group(0);
            remove(orphan, "h" + orphan);
        }
    }

    private static InetAddress address(int third, int fourth) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {10, (byte) 200, (byte) third, (byte) fourth});
    }

    private static void runIgnoringAbsence(String... command) throws IOException, InterruptedException {
        try {
            run(command);
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.contains("Cannot find device") && !message.contains("No such file")) {
                throw e;
            }
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 30 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.strip());
        }
        return output;
    }
}

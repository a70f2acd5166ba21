package dev.ballast.test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The signals chaos and integration tests send to child processes they started: a crash ({@link #KILL}), a freeze and
 * thaw ({@link #STOP}, {@link #CONT}: the gray failure of a paused VM or a long GC), an orderly stop ({@link #TERM}),
 * and a JVM's thread dump ({@link #QUIT}).
 * Sent with {@code kill(1)}, so a frozen process can be signalled too. Immutable.
 */
public enum UnixSignal {
    /** Killed at once; nothing runs in the process afterwards. */
    KILL,
    /** Frozen: sockets stay open, nothing is answered. */
    STOP,
    /** Thawed after {@link #STOP}. */
    CONT,
    /** Asked to stop: shutdown hooks and graceful shutdown run. */
    TERM,
    /** A JVM prints every thread's stack to its standard output and goes on. */
    QUIT;

    /** Sends this signal to {@code pid}; fails if {@code kill} does not succeed within 5 s. */
    public void send(long pid) throws IOException {
        if (!kill(List.of(pid))) {
            throw new IOException("kill -" + name() + " " + pid + " failed");
        }
    }

    /**
     * Sends this signal, in one {@code kill} call, to {@code process} and every process it started (a server with its
     * workers), so that none of them can react to the others' signal first. Processes that exited meanwhile are passed
     * over; fails only if {@code process} itself could not be signalled.
     */
    public void sendToTree(ProcessHandle process) throws IOException {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(child -> pids.add(child.pid()));
        if (!kill(pids) && process.isAlive()) {
            send(process.pid()); // some child had exited; the process itself must take the signal
        }
    }

    private boolean kill(List<Long> pids) throws IOException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + name()));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        Process kill = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending SIG" + name() + " to " + pids, e);
        }
    }
}

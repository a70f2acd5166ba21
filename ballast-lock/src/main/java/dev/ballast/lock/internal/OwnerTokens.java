package dev.ballast.lock.internal;

import java.lang.management.ManagementFactory;
import java.util.UUID;

/**
 * Owner tokens written to the backend for each acquisition: {@code <pid>@<host>/<random UUID>}, so an operator reading a
 * lock row ({@code ballast_lock.owner}) or a Redis lock value can tell which process holds the key. The UUID keeps each
 * acquisition's token unique (release and renewal compare it); the process part is cut to fit the 64-character
 * {@code owner} column.
 */
final class OwnerTokens {

    /** The {@code owner} column holds 64 characters: 27 for the process, '/', 36 for the UUID. */
    static final int PROCESS_MAX = 27;

    private static final String PROCESS =
            process(ManagementFactory.getRuntimeMXBean().getName());

    private OwnerTokens() {}

    static String next() {
        return PROCESS + UUID.randomUUID();
    }

    /** The process part with its '/': visible ASCII other than '/', anything else as '_', at most 27 characters. */
    static String process(String runtimeName) {
        StringBuilder part = new StringBuilder(PROCESS_MAX + 1);
        for (int i = 0; i < runtimeName.length() && part.length() < PROCESS_MAX; i++) {
            char c = runtimeName.charAt(i);
            part.append(c > ' ' && c < 0x7f && c != '/' ? c : '_');
        }
        if (part.isEmpty()) {
            part.append("unknown");
        }
        return part.append('/').toString();
    }
}

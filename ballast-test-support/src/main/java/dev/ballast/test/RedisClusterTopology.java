package dev.ballast.test;

import static dev.ballast.test.RedisProcesses.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Redis Cluster's topology as one node sees it ({@code CLUSTER NODES}, {@code CLUSTER INFO}, {@code CLUSTER
 * KEYSLOT}): which nodes are primaries, which primary serves a key's slot, which node replicates a primary, whether
 * the cluster is healthy. Used only by {@link RedisCluster}; stateless, so any thread may call it. Guards nothing but
 * the parsing of {@code CLUSTER NODES} lines ({@code id host:port@bus flags primary-id … slot-ranges}).
 */
final class RedisClusterTopology {

    /** How many primaries a healthy cluster of this kit has. */
    static final int PRIMARIES = 3;

    private RedisClusterTopology() {}

    /** Primary port → whether it has slots, as {@code port}'s node sees them (failed ones excluded). */
    static Map<Integer, Boolean> primaries(int port) throws IOException {
        Map<Integer, Boolean> primaries = new LinkedHashMap<>();
        for (String[] f : nodes(port)) {
            if (f.length >= 8 && f[2].contains("master") && !f[2].contains("fail")) {
                primaries.put(port(f[1]), f.length > 8);
            }
        }
        return primaries;
    }

    /**
     * Whether every node on {@code ports} reports {@code cluster_state:ok} and sees {@value #PRIMARIES} primaries, none
     * of them on {@code notPrimary} (-1: any).
     */
    static boolean healthy(List<Integer> ports, int notPrimary) throws IOException {
        for (int port : ports) {
            if (!cli(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                return false;
            }
            Map<Integer, Boolean> primaries = primaries(port);
            if (primaries.size() != PRIMARIES || primaries.containsKey(notPrimary)) {
                return false;
            }
        }
        return true;
    }

    /** The port of the primary that serves {@code key}'s hash slot, as the node on {@code port} sees it. */
    static int primaryPortOf(int port, String key) throws IOException {
        int slot = Integer.parseInt(cli(port, "CLUSTER", "KEYSLOT", key).trim());
        for (String[] f : nodes(port)) {
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String[] range = f[i].split("-");
                if (range[0].startsWith("[")) {
                    continue; // a slot being migrated
                }
                int from = Integer.parseInt(range[0]);
                int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return port(f[1]);
                }
            }
        }
        throw new IOException("no primary serves slot " + slot + " of '" + key + "'");
    }

    /** The port of a replica of the primary on {@code primaryPort}, as the node on {@code port} sees it. */
    static int replicaOf(int port, int primaryPort) throws IOException {
        List<String[]> nodes = nodes(port);
        String primaryId = null;
        for (String[] f : nodes) {
            if (f.length >= 8 && port(f[1]) == primaryPort) {
                primaryId = f[0];
            }
        }
        for (String[] f : nodes) {
            if (f.length >= 8 && f[2].contains("slave") && f[3].equals(primaryId)) {
                return port(f[1]);
            }
        }
        throw new IOException("no replica of the primary on port " + primaryPort);
    }

    private static List<String[]> nodes(int port) throws IOException {
        return cli(port, "CLUSTER", "NODES")
                .lines()
                .map(line -> line.trim().split(" "))
                .toList();
    }

    private static int port(String address) {
        String hostPort = address.split("@")[0];
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }
}

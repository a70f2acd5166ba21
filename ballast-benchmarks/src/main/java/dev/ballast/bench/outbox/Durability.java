package dev.ballast.bench.outbox;

/**
 * The commit durability every subject of one drain comparison runs with. {@code ON}: every commit waits for its WAL
 * flush (the server's default), Ballast's relay included ({@code asynchronousCommit(false)}). {@code OFF}: every
 * connection of every subject runs with {@code synchronous_commit = off}.
 */
enum Durability {
    ON,
    OFF;

    static final String BASE_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    /** The JDBC URL every pool of a subject uses. */
    String url() {
        return this == ON ? BASE_URL : BASE_URL + "?options=-c%20synchronous_commit%3Doff";
    }
}

package dev.ballast.alert.action;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** A ledger for one instance without a database; forgets on restart (a link then works again). Thread-safe. */
public final class InMemoryActionLedger implements ActionLedger {

    private final ConcurrentMap<String, ActionRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, URI> addresses = new ConcurrentHashMap<>();

    @Override
    public boolean claim(ActionRecord record) {
        return records.putIfAbsent(record.nonce(), record) == null;
    }

    @Override
    public void finish(String nonce, Instant at, ActionRecord.Outcome outcome, String result) {
        records.computeIfPresent(nonce, (key, record) -> record.finished(at, outcome, result));
    }

    @Override
    public Optional<ActionRecord> find(String nonce) {
        return Optional.ofNullable(records.get(nonce));
    }

    @Override
    public void announce(String instance, URI baseUrl, Instant at) {
        addresses.put(instance, baseUrl);
    }

    @Override
    public Map<String, URI> announced() {
        return Map.copyOf(addresses);
    }
}

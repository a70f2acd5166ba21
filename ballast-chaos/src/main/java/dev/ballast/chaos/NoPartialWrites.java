package dev.ballast.chaos;

import java.util.Map;
import java.util.TreeMap;

/**
 * Writes that belong together were stored together or not at all: each entry counts, in the store after the load, the
 * rows that lack their partner (e.g. orders without their {@code OrderPlaced} event), and every count must be 0. The
 * history is not needed; the store is the evidence. Immutable.
 *
 * @param orphans what lacks its partner, and how many rows do
 */
public record NoPartialWrites(Map<String, Long> orphans) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "no partial write: " + String.join(", ", new TreeMap<>(orphans).keySet()) + " are none";
        Map<String, Long> found = new TreeMap<>();
        orphans.forEach((what, count) -> {
            if (count != 0) {
                found.put(what, count);
            }
        });
        return found.isEmpty() ? Check.pass(invariant, "0 of each") : Check.fail(invariant, found.toString());
    }
}

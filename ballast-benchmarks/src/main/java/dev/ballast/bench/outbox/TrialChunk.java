package dev.ballast.bench.outbox;

import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Results;
import java.util.List;

/**
 * Which recorded trials this run measures ({@code -Ddelivery.from}, {@code -Ddelivery.to}, 0-based, end exclusive) and
 * how many warm-ups it starts with ({@code -Ddelivery.warmups}, default 1): a long comparison runs as several short
 * holds of the machine's lock, each trial keeping the order its index gives.
 */
record TrialChunk(int from, int to, int warmUps) {

    static TrialChunk of(int trials) {
        return new TrialChunk(
                Integer.getInteger("delivery.from", 0),
                Integer.getInteger("delivery.to", trials),
                Integer.getInteger("delivery.warmups", 1));
    }

    /** Runs this chunk's trials of {@code subjects}, in the order their indexes give, after its warm-ups. */
    Results run(String name, List<String> subjects, int trials, PairedTrials.Measurement measurement) throws Exception {
        return PairedTrials.run(name, subjects, trials, warmUps, from, to, measurement);
    }

    boolean complete(int trials) {
        return from == 0 && to >= trials;
    }

    @Override
    public String toString() {
        return "trials " + (from + 1) + "-" + to + " after " + warmUps + " warm-up(s)";
    }
}

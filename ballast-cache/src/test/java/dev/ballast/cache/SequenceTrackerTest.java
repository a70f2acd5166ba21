package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    @Test
    void consecutiveMessagesAreNoGap() {
        SequenceTracker tracker = new SequenceTracker(10);

        assertThat(tracker.message(11)).isFalse();
        assertThat(tracker.message(12)).isFalse();
        assertThat(tracker.check(12)).isFalse();
    }

    @Test
    void aSkippedNumberIsAGap() {
        SequenceTracker tracker = new SequenceTracker(10);

        assertThat(tracker.message(12)).isTrue();
        assertThat(tracker.message(13)).isFalse();
    }

    @Test
    void aCounterThatWentBackwardsIsAResetAndAGap() {
        SequenceTracker tracker = new SequenceTracker(500);

        assertThat(tracker.message(1)).isTrue();
        SequenceTracker other = new SequenceTracker(500);
        assertThat(other.check(0)).isTrue();
    }

    @Test
    void messagesInFlightAtOneCheckAreNotAGapButStillMissingAtTheNextOneAre() {
        SequenceTracker tracker = new SequenceTracker(10);

        assertThat(tracker.check(12)).as("11 and 12 may still be on their way").isFalse();
        assertThat(tracker.message(11)).isFalse();
        assertThat(tracker.check(12))
                .as("12 was published a whole interval ago and never came")
                .isTrue();
        assertThat(tracker.message(13)).isFalse();
    }

    @Test
    void aCounterReadOlderThanTheMessagesAlreadySeenIsNoGapNowOrForTheNextMessage() {
        SequenceTracker tracker = new SequenceTracker(10);
        assertThat(tracker.check(10)).isFalse();
        assertThat(tracker.message(11)).isFalse();
        assertThat(tracker.message(12)).isFalse();
        assertThat(tracker.message(13)).isFalse();

        assertThat(tracker.check(12))
                .as("the GET answered before 13 was published")
                .isFalse();
        assertThat(tracker.message(14))
                .as("the next message follows 13, not the read")
                .isFalse();
        assertThat(tracker.check(14)).isFalse();
    }

    @Test
    void aCounterThatWentBackBetweenTwoChecksIsAReset() {
        SequenceTracker tracker = new SequenceTracker(10);
        assertThat(tracker.message(11)).isFalse();
        assertThat(tracker.check(11)).isFalse();

        assertThat(tracker.check(3))
                .as("Redis lost the counter and it counted again")
                .isTrue();
        assertThat(tracker.message(4)).isFalse();
    }
}

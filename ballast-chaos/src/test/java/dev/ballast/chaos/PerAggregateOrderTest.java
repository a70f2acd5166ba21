package dev.ballast.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.chaos.PerAggregateOrder.Delivery;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerAggregateOrderTest {

    private static final History NO_CLIENTS = new History();

    @Test
    void passesWhenEachAggregateArrivesInSequenceInterleavedWithOthersAndRedelivered() {
        Check check = new PerAggregateOrder(List.of(
                        new Delivery("a", 1),
                        new Delivery("b", 1),
                        new Delivery("a", 2),
                        new Delivery("a", 1), // redelivered after a crash: at-least-once
                        new Delivery("a", 2),
                        new Delivery("a", 3),
                        new Delivery("b", 2)))
                .check(NO_CLIENTS);
        assertThat(check.passed()).as(check.toString()).isTrue();
        assertThat(check.detail()).contains("7 deliveries of 2 aggregates").contains("2 redelivered");
    }

    @Test
    void failsWhenALaterEventOfAnAggregateArrivesBeforeAnEarlierOne() {
        Check check = new PerAggregateOrder(List.of(new Delivery("a", 1), new Delivery("a", 3), new Delivery("a", 2)))
                .check(NO_CLIENTS);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("a: 3 after 1").contains("a: 2 after 3");
    }

    @Test
    void failsWhenASequenceIsSkipped() {
        Check check = new PerAggregateOrder(List.of(new Delivery("a", 1), new Delivery("a", 3))).check(NO_CLIENTS);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("1 out of order");
    }

    @Test
    void failsWhenAnAggregatesFirstEventNeverArrives() {
        // OrderPlaced lost, OrderAccepted delivered: the order's id reached the consumer, its first event did not
        Check check = new PerAggregateOrder(List.of(new Delivery("a", 1), new Delivery("a", 2), new Delivery("b", 2)))
                .check(NO_CLIENTS);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("b: starts at 2").contains("1 with more than one");
    }
}

package dev.ballast.lock.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Inside {@code executeWithLock(s)} the guarded code can read the fencing token its writes must carry. */
class FencedWriteCurrentTokenTest {

    private final LockStrategy locks = LocalLockStrategies.create(LockListener.none(), AlertSink.logging());

    @AfterEach
    void close() {
        locks.close();
    }

    @Test
    void guardedCodeReadsTheTokenOfTheLockItHoldsAndEachNewHoldHasANewerOne() {
        long first = locks.executeWithLock(
                "account:A-1", Duration.ZERO, Duration.ofSeconds(5), () -> FencedWrite.currentToken("account:A-1"));
        long second = locks.executeWithLock(
                "account:A-1", Duration.ZERO, Duration.ofSeconds(5), () -> FencedWrite.currentToken("account:A-1"));

        assertThat(first).isPositive();
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void nestedAndMultiKeyHoldsEachGiveTheirOwnKeysToken() {
        locks.executeWithLocks(List.of("a", "b"), Duration.ZERO, Duration.ofSeconds(5), () -> {
            long a = FencedWrite.currentToken("a");
            long b = FencedWrite.currentToken("b");
            locks.executeWithLock("c", Duration.ZERO, Duration.ofSeconds(5), () -> {
                assertThat(FencedWrite.currentToken("a")).isEqualTo(a);
                assertThat(FencedWrite.currentToken("c")).isPositive();
                return null;
            });
            assertThatThrownBy(() -> FencedWrite.currentToken("c")).isInstanceOf(IllegalStateException.class);
            return a + b;
        });
    }

    @Test
    void outsideAHoldThereIsNoTokenToWriteWith() {
        assertThatThrownBy(() -> FencedWrite.currentToken("account:A-1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'account:A-1'");
        locks.executeWithLock("account:A-1", Duration.ZERO, Duration.ofSeconds(5), () -> null);
        assertThatThrownBy(() -> FencedWrite.currentToken("account:A-1")).isInstanceOf(IllegalStateException.class);
    }
}

package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TaskContextTest {

    @Test
    void acceptsNamesMadeOfLettersDigitsDotsUnderscoresAndHyphens() {
        TaskContext context = new TaskContext("Order.v2", "place_limit-order", "O-1");

        assertThat(context.domain()).isEqualTo("Order.v2");
        assertThat(context.task()).isEqualTo("place_limit-order");
        assertThat(context.id()).isEqualTo("O-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "slash/", "emoji\uD83D\uDE00", "tag=value", "quote\""})
    void rejectsInvalidDomainWithAMessageNamingTheField(String domain) {
        assertThatThrownBy(() -> new TaskContext(domain, "Place", "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("TaskContext domain");
    }

    @Test
    void rejectsTaskLongerThanSixtyFourCharacters() {
        assertThatThrownBy(() -> new TaskContext("Order", "x".repeat(65), "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task must be 1 to 64 characters long, was 65");
    }

    @Test
    void rejectsNullNames() {
        assertThatThrownBy(() -> new TaskContext("Order", null, "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TaskContext task must not be null");
    }

    @Test
    void truncatesLongIdsToTheBound() {
        TaskContext context = new TaskContext("Order", "Place", "9".repeat(1000));

        assertThat(context.id()).hasSize(TaskContext.MAX_ID_LENGTH);
    }

    @Test
    void replacesLineBreaksInIdsSoTheyCannotForgeLogLines() {
        TaskContext context = new TaskContext("Order", "Place", "42\nERROR fake entry\r\t");

        assertThat(context.id()).isEqualTo("42 ERROR fake entry  ");
    }

    @Test
    void nullIdBecomesEmpty() {
        assertThat(new TaskContext("Order", "Place", null).id()).isEmpty();
        assertThat(TaskContext.of("Order", "Place").id()).isEmpty();
    }

    @Test
    void everyExecutorMethodTakesATaskContextFirst() {
        Method[] patterns = Arrays.stream(LogicExecutor.class.getMethods())
                .filter(m -> m.getName().startsWith("execute"))
                .toArray(Method[]::new);

        assertThat(patterns)
                .extracting(Method::getName)
                .containsExactlyInAnyOrder(
                        "execute",
                        "executeVoid",
                        "executeOrDefault",
                        "executeWithRecovery",
                        "executeWithFinally",
                        "executeWithTranslation");
        assertThat(patterns)
                .allSatisfy(m -> assertThat(m.getParameterTypes()[0]).isEqualTo(TaskContext.class));
    }
}

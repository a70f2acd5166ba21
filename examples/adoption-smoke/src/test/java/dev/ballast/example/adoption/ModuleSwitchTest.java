package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 16 item 2: each module is switched off by one property, ballast.<module>.enabled=false. */
class ModuleSwitchTest {

    @ParameterizedTest(name = "ballast.{0}.enabled=false")
    @CsvSource({
        "executor, dev.ballast.core.LogicExecutor",
        "lock, dev.ballast.lock.LockStrategy",
        "cache, org.springframework.cache.CacheManager",
        "outbox, dev.ballast.outbox.Outbox",
        "alert, dev.ballast.alert.AlertRouter"
    })
    void aModuleSwitchedOffConfiguresNothingOfIt(String module, Class<?> type) {
        Apps.runner()
                .withPropertyValues("spring.datasource.url=" + Apps.inMemoryH2())
                .run(context -> assertThat(context).hasSingleBean(type));
        Apps.runner()
                .withPropertyValues(
                        "spring.datasource.url=" + Apps.inMemoryH2(), "ballast." + module + ".enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(type);
                });
    }
}

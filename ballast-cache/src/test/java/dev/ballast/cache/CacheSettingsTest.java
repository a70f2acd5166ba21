package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheSettingsTest {

    @Test
    void eachSetterNamesTheBadValue() {
        assertThatThrownBy(() -> CacheSettings.builder("quotes cache").build())
                .hasMessageContaining("was 'quotes cache'");
        assertThatThrownBy(() -> CacheSettings.builder("q").l2Ttl(Duration.ZERO))
                .hasMessage("l2Ttl must be positive, was PT0S");
        assertThatThrownBy(() -> CacheSettings.builder("q").ttlJitter(0.9).build())
                .hasMessage("ttlJitter must be between 0 and 0.5, was 0.9");
        assertThatThrownBy(() -> CacheSettings.builder("q").version(0)).hasMessage("version must be at least 1, was 0");
        assertThatThrownBy(() -> CacheSettings.builder("q")
                        .negativeTtl(Duration.ofSeconds(-1))
                        .build())
                .hasMessage("negativeTtl must be zero or positive, was PT-1S");
    }
}

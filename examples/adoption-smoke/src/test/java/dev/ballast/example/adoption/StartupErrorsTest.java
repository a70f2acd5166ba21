package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 16 items 7 and 8, as an application that added the starter sees them: the starter jar carries IDE metadata
 * with a description and a default or "unset" meaning for every ballast.* property, and a start-up error caused by a
 * ballast.* setting is Spring Boot's "APPLICATION FAILED TO START" report naming the property and what to set.
 */
class StartupErrorsTest {

    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework.boot");

    @Test
    void theRedisLockBackendWithoutRedisFailsNamingTheSpringDataRedisPropertyToSet() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(AdoptionApplication.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off",
                                "ballast.lock.backend=REDIS",
                                "ballast.outbox.relay.enabled=false")
                        .run())
                .hasRootCauseMessage(
                        "ballast.lock.backend needs a single Lettuce client bean (RedisClient or RedisClusterClient),"
                                + " and the application has none (or several), was REDIS");

        String report = boot.eventsAtLeast(Level.ERROR).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("APPLICATION FAILED TO START"))
                .findFirst()
                .orElseThrow();
        assertThat(report)
                .contains("Description:")
                .contains("Invalid Ballast setting ballast.lock.backend = 'REDIS'")
                .contains("Action:")
                .contains("set spring.data.redis.host");
    }

    @Test
    void theStarterJarDescribesEveryBallastPropertyForTheIde() throws IOException {
        URL metadata = null;
        for (URL url : java.util.Collections.list(
                getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
            if (url.toString().contains("ballast-spring-boot-starter")) {
                metadata = url;
            }
        }
        assertThat(metadata).as("the starter's configuration metadata").isNotNull();
        JsonNode root;
        try (InputStream in = metadata.openStream()) {
            root = JsonMapper.builder().build().readTree(in);
        }
        List<String> undescribed = new ArrayList<>();
        int ballast = 0;
        for (JsonNode property : root.path("properties")) {
            String name = property.path("name").asString();
            if (name.startsWith("ballast.")) {
                ballast++;
                String description = property.path("description").asString("");
                if (description.isBlank() || description.contains("{@")) {
                    undescribed.add(name);
                }
            }
        }
        assertThat(ballast).isGreaterThan(100);
        assertThat(undescribed).isEmpty();
    }
}

package dev.ballast.boot.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.LogCapture;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * A {@code ballast.*} setting that no Ballast property has is named in a WARN line with the nearest property, whether it
 * came from a file, the command line or an environment variable; valid settings, map entries (cache names) and list
 * elements pass without a word. The application starts through {@link org.springframework.boot.SpringApplication}, so
 * the listener comes from {@code META-INF/spring.factories} and the known properties from the starter's configuration
 * metadata, as in a service.
 */
class UnknownBallastPropertiesTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of(UnknownBallastProperties.class);

    @Test
    void aMisspelledSettingIsNamedWithTheNearestPropertyAndValidOnesAreNot() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "BALLAST_OUTBOX_RELAY_POLL_INTERVAL", "1s",
                                        "BALLAST_LOCK_LEASE_TIME", "5s")));
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .environment(environment)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off")
                .run(
                        "--ballast.outbox.relay.max-attemps=3",
                        "--ballast.outbox.relay.max-attempts=3",
                        "--ballast.cache.caches.prices.l1-ttl=5s",
                        "--ballast.cache.caches.quotes.l1-tll=5s",
                        "--ballast.executor.masking.account-fields[0]=iban",
                        "--ballast.outbox.kafka.routes.OrderPlaced=brokerage.orders")) {
            assertThat(context.isActive()).isTrue();
        }

        assertThat(log.eventsAtLeast(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .hasSize(3)
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Unknown Ballast setting ballast.cache.caches.quotes.l1-tll")
                        .contains("Did you mean ballast.cache.caches.quotes.l1-ttl?"))
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Unknown Ballast setting ballast.outbox.relay.max-attemps")
                        .contains("so it is ignored. Did you mean ballast.outbox.relay.max-attempts?"))
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Unknown Ballast setting ballast.lock.lease.time")
                        .contains("BALLAST_LOCK_LEASE_TIME"));
    }

    /**
     * The lock's shipped Flyway scripts still name {@code ballast.lock.jdbc.create-table} in a comment (found by a
     * black-box adoption check): whoever follows it is told the property that replaced it and how its values map.
     */
    @Test
    void anEarlierNameIsAnsweredWithThePropertyThatReplacedIt() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off")
                .run("--ballast.lock.jdbc.create-table=false", "--ballast.outbox.createSchema=false")) {
            assertThat(context.isActive()).isTrue();
        }

        assertThat(log.eventsAtLeast(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Unknown Ballast setting ballast.lock.jdbc.create-table")
                        .contains("It was renamed: set ballast.lock.jdbc.schema.initialize (false is never, true is"
                                + " always)."))
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Unknown Ballast setting ballast.outbox.createschema")
                        .contains("It was renamed: set ballast.outbox.schema.initialize"))
                .noneSatisfy(line -> assertThat(line).contains("Did you mean"));
    }

    @Test
    void everyPropertyOfTheStartersMetadataIsKnown() {
        UnknownBallastProperties.Known known =
                UnknownBallastProperties.Known.load(getClass().getClassLoader());

        assertThat(known.properties).hasSizeGreaterThan(100);
        assertThat(known.properties)
                .allSatisfy(name -> assertThat(known.accepts(name)).isTrue());
        assertThat(known.accepts("ballast.alert.channels.pager.url")).isTrue();
        assertThat(known.accepts("ballast.alert.chanels.pager.url")).isFalse();
        assertThat(known.accepts("ballast.cache.caches.prices.l2-ttl")).isTrue();
        assertThat(known.accepts("ballast.cache.caches[my.prices].l2-ttl")).isTrue();
        assertThat(known.accepts("ballast.cache.caches.prices.tll")).isFalse();
        assertThat(known.accepts("ballast.cache.caches[my.prices].tll")).isFalse();
    }

    @SpringBootConfiguration
    static class App {}
}

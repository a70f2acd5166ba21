package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.ActionLinker;
import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Channel;
import dev.ballast.alert.ChannelSettings;
import dev.ballast.alert.Fatigue;
import dev.ballast.alert.JdbcDedupLedger;
import dev.ballast.alert.Route;
import dev.ballast.boot.internal.diagnostics.BallastTables;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Builds the router from {@link BallastAlertProperties}, naming the property of any bad value. Stateless. */
final class RouterFactory {

    static final String PREFIX = "ballast.alert.";

    private RouterFactory() {}

    static AlertRouter create(
            BallastAlertProperties properties,
            @Nullable MeterRegistry registry,
            ActionLinker linker,
            Clock clock,
            @Nullable DataSource database,
            String instance) {
        AlertRouter.Builder builder =
                AlertRouter.builder().clock(clock).actionLinker(linker).instance(instance);
        checkSharedDedupSettings(properties.fatigue());
        if (properties.fatigue().sharedDedup()) {
            if (database == null) {
                throw InvalidBallastPropertyException.invalid(
                        PREFIX + "fatigue.shared-dedup",
                        true,
                        "needs a single DataSource bean (none or several found)");
            }
            builder.sharedDedup(ledger(properties, database));
        }
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        guard("service", () -> builder.service(properties.service()));
        // a number, not a secret: shown in the report, unlike the values guard() hides
        InvalidBallastPropertyException.apply(
                PREFIX + "intake-capacity", properties.intakeCapacity(), builder::intakeCapacity);
        Map<String, BallastAlertProperties.Channel> channels =
                properties.channels() == null ? Map.of() : properties.channels();
        channels.forEach((name, channel) -> addChannel(builder, name, channel));
        BallastAlertProperties.File file = properties.file();
        if (file.enabled()) {
            guard(
                    "file",
                    () -> builder.channel(
                            Channel.file("file", file.path(), file.maxSize().toBytes(), file.keep())));
        }
        builder.channel(Channel.log(AlertRouter.LOG_CHANNEL));
        List<BallastAlertProperties.Route> routes = properties.routes() == null ? List.of() : properties.routes();
        for (int i = 0; i < routes.size(); i++) {
            BallastAlertProperties.Route route = routes.get(i);
            guard("routes[" + i + "]", () -> builder.route(route(route)));
        }
        BallastAlertProperties.Fatigue fatigue = properties.fatigue();
        guard(
                "fatigue",
                () -> builder.fatigue(new Fatigue(
                        fatigue.dedupWindow(),
                        fatigue.throttleMax(),
                        fatigue.throttleWindow(),
                        fatigue.flapThreshold(),
                        fatigue.flapWindow(),
                        Fatigue.DEFAULTS.maxFingerprints())));
        BallastAlertProperties.Heartbeat heartbeat = properties.heartbeat();
        Duration heartbeatInterval = heartbeat.interval();
        if (heartbeatInterval != null) {
            guard("heartbeat", () -> builder.heartbeat(heartbeatInterval, heartbeat.channel()));
        }
        java.nio.file.Path recordRaw = properties.recordRaw();
        if (recordRaw != null) {
            builder.recordRawAlerts(recordRaw);
        }
        try {
            return builder.build();
        } catch (UncheckedIOException e) {
            throw InvalidBallastPropertyException.invalid(
                    PREFIX + "record-raw", recordRaw, "must be a file that can be written (" + e.getCause() + ")");
        } catch (IllegalArgumentException e) {
            throw InvalidBallastPropertyException.secret(PREFIX + "routes", e.getMessage());
        }
    }

    /**
     * The shared dedup ledger's timeout and cool-down, checked also while shared dedup is off: a value out of range is a
     * mistake either way, and would otherwise stop the service only on the day someone turns shared dedup on.
     */
    private static void checkSharedDedupSettings(BallastAlertProperties.Fatigue fatigue) {
        Duration timeout = fatigue.sharedDedupTimeout();
        if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw InvalidBallastPropertyException.invalid(
                    PREFIX + "fatigue.shared-dedup-timeout", timeout, "must be 10ms to 60s");
        }
        Duration coolDown = fatigue.sharedDedupCoolDown();
        if (coolDown.isNegative() || coolDown.isZero()) {
            throw InvalidBallastPropertyException.invalid(
                    PREFIX + "fatigue.shared-dedup-cool-down", coolDown, "must be positive");
        }
    }

    /**
     * The shared dedup ledger on {@code database}, its table created as {@code schema.initialize} says; when it is not
     * created and missing, start-up fails naming the script that creates it.
     */
    private static JdbcDedupLedger ledger(BallastAlertProperties properties, DataSource database) {
        BallastAlertProperties.Fatigue fatigue = properties.fatigue();
        JdbcDedupLedger ledger;
        try {
            ledger = new JdbcDedupLedger(
                    database, "ballast_", fatigue.sharedDedupTimeout(), fatigue.sharedDedupCoolDown());
        } catch (IllegalArgumentException e) {
            throw InvalidBallastPropertyException.invalid(
                    PREFIX + "fatigue.shared-dedup-timeout",
                    fatigue.sharedDedupTimeout() + ", cool-down " + fatigue.sharedDedupCoolDown(),
                    String.valueOf(e.getMessage()));
        }
        if (properties.schema().initialize().createsTablesOn(database)) {
            try {
                ledger.createTable();
            } catch (IllegalStateException e) {
                throw InvalidBallastPropertyException.invalid(
                        PREFIX + "schema.initialize", properties.schema().initialize(), String.valueOf(e.getMessage()));
            }
            return ledger;
        }
        BallastTables tables = BallastTables.check(database, List.of(ledger.table()));
        if (!tables.complete()) {
            throw MissingBallastTablesException.alert(tables);
        }
        return ledger;
    }

    private static void addChannel(AlertRouter.Builder builder, String name, BallastAlertProperties.Channel channel) {
        String property = PREFIX + "channels." + name;
        if (name.equals("file") || name.equals(AlertRouter.LOG_CHANNEL)) {
            throw InvalidBallastPropertyException.secret(property, "'" + name + "' is the name of a built-in channel");
        }
        if (channel.type() == null) {
            throw InvalidBallastPropertyException.secret(property + ".type", "missing; one of DISCORD, SLACK, WEBHOOK");
        }
        URI url = webhookUrl(property + ".url", channel.url());
        ChannelSettings settings = settings(property, channel);
        Channel built;
        try {
            built = switch (channel.type()) {
                case DISCORD -> Channel.discord(name, url, channel.connectTimeout(), channel.readTimeout());
                case SLACK -> Channel.slack(name, url, channel.connectTimeout(), channel.readTimeout());
                case WEBHOOK ->
                    Channel.webhook(
                            name,
                            url,
                            secret(property + ".secret", channel.secret()),
                            channel.connectTimeout(),
                            channel.readTimeout());
            };
        } catch (IllegalArgumentException e) {
            throw InvalidBallastPropertyException.secret(property, e.getMessage());
        }
        builder.channel(built, settings);
    }

    /** The address, checked without ever putting it in a message: it is a secret. */
    static URI webhookUrl(String property, @Nullable String value) {
        if (value == null || value.isBlank()) {
            throw InvalidBallastPropertyException.secret(property, "missing");
        }
        URI url;
        try {
            url = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            throw InvalidBallastPropertyException.secret(property, "not a valid URL (value not shown: it is a secret)");
        }
        String scheme = url.getScheme();
        if ((!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) || url.getHost() == null) {
            throw InvalidBallastPropertyException.secret(
                    property, "not an absolute http(s) URL (value not shown: it is a secret)");
        }
        return url;
    }

    private static byte[] secret(String property, @Nullable String value) {
        if (value == null || value.getBytes(StandardCharsets.UTF_8).length < 16) {
            throw InvalidBallastPropertyException.secret(
                    property, "missing or shorter than 16 bytes (value not shown)");
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static ChannelSettings settings(String property, BallastAlertProperties.Channel channel) {
        double rate = channel.ratePerSecond() != null
                ? channel.ratePerSecond()
                : channel.type() == BallastAlertProperties.Type.WEBHOOK ? 5.0 : 1.0;
        int burst =
                channel.burst() != null ? channel.burst() : channel.type() == BallastAlertProperties.Type.SLACK ? 1 : 5;
        try {
            return new ChannelSettings(
                    channel.queueCapacity(),
                    rate,
                    burst,
                    channel.maxAttempts(),
                    channel.backoffBase(),
                    channel.backoffCap(),
                    channel.breakerThreshold(),
                    channel.breakerOpenFor());
        } catch (IllegalArgumentException e) {
            throw InvalidBallastPropertyException.secret(property, e.getMessage());
        }
    }

    private static Route route(BallastAlertProperties.Route route) {
        Set<dev.ballast.core.alert.Severity> severities =
                route.severities() == null || route.severities().isEmpty()
                        ? Set.of()
                        : EnumSet.copyOf(route.severities());
        return new Route(
                route.name() == null ? "" : route.name(),
                severities,
                route.labels() == null ? Map.of() : route.labels(),
                route.channels() == null ? List.of() : route.channels(),
                route.continueMatching(),
                route.groupBy(),
                route.groupWait());
    }

    private static void guard(String property, Runnable step) {
        try {
            step.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw InvalidBallastPropertyException.secret(PREFIX + property, String.valueOf(e.getMessage()));
        }
    }
}

package dev.ballast.alert;

import dev.ballast.alert.internal.ActionLinks;
import dev.ballast.alert.internal.AlertMeters;
import dev.ballast.alert.internal.ChannelWorker;
import dev.ballast.alert.internal.Dispatcher;
import dev.ballast.alert.internal.JsonLinesFile;
import dev.ballast.alert.internal.LogChannel;
import dev.ballast.alert.internal.Pipeline;
import dev.ballast.alert.internal.RawAlertRecorder;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AlertSink} that gets alerts to people: {@link #send} only queues (a bounded intake queue; never blocks,
 * never throws), a dispatcher thread applies silences, deduplication, throttling, flap detection, resolution and
 * grouping ({@link Fatigue}, {@link Route}), and each channel's worker thread delivers with its own queue, rate limit,
 * retries and breaker ({@link ChannelSettings}), writing to the file channel whatever it could not deliver.
 *
 * <p>When the intake queue is full, INFO and WARNING alerts are dropped and counted ({@code ballast.alert.dropped});
 * CRITICAL ones go to an unbounded overflow queue, so none is lost. With {@link Builder#recordRawAlerts} every alert
 * received is also written, before anything else happens to it, to a file for replaying. Thread-safe: {@link #send} is called from any
 * thread; the pipeline runs on the one dispatcher thread (the internal {@code Dispatcher}, which owns the intake).
 *
 * <p>One router serves the application (the Spring starter builds it from {@code ballast.alert.*}):
 *
 * {@snippet class="dev.ballast.alert.AlertRouterSnippets" region="create"}
 *
 * {@snippet class="dev.ballast.alert.AlertRouterSnippets" region="send"}
 */
public final class AlertRouter implements AlertSink, AutoCloseable {

    /** Name of the log channel added when none is configured. */
    public static final String LOG_CHANNEL = "log";

    private static final Logger log = LoggerFactory.getLogger(AlertRouter.class);

    private final Clock clock;
    private final AlertMeters meters;
    private final Map<String, ChannelWorker> workers;
    private final Dispatcher dispatcher;
    private final Silences silences;
    private final List<Route> routes;
    private final @Nullable String heartbeatChannel;
    private final @Nullable RawAlertRecorder recorder;

    private AlertRouter(Builder builder) {
        this.clock = builder.clock;
        this.meters = new AlertMeters(builder.registry);
        this.silences = new Silences(clock);
        this.heartbeatChannel = builder.heartbeatChannel;
        Map<String, Channel> channels = new LinkedHashMap<>(builder.channels);
        if (channels.values().stream().noneMatch(channel -> channel.kind() == Channel.Kind.LOG)) {
            channels.put(LOG_CHANNEL, new LogChannel(LOG_CHANNEL));
        }
        this.routes = builder.routes.isEmpty() ? defaultRoutes(channels) : List.copyOf(builder.routes);
        validate(channels);
        Path rawFile = builder.rawAlertFile;
        this.recorder =
                rawFile == null ? null : new RawAlertRecorder(rawFile, builder.intakeCapacity, builder.registry);
        JsonLinesFile file = channels.values().stream()
                .filter(JsonLinesFile.class::isInstance)
                .map(JsonLinesFile.class::cast)
                .findFirst()
                .orElse(null);
        this.workers = new LinkedHashMap<>();
        channels.forEach((name, channel) -> workers.put(
                name,
                new ChannelWorker(
                        channel,
                        builder.settings.getOrDefault(name, ChannelSettings.defaultsFor(channel)),
                        file,
                        meters,
                        this::channelRejects)));
        ActionLinker linker = builder.linker;
        Pipeline pipeline = new Pipeline(
                routes,
                builder.fatigue,
                silences,
                alert -> ActionLinks.of(linker, alert),
                meters::suppressedFromPipeline,
                builder.shared);
        meters.firingGauge(pipeline::firing);
        this.dispatcher = new Dispatcher(
                clock,
                meters,
                pipeline,
                workers,
                builder.intakeCapacity,
                builder.tick,
                builder.heartbeatInterval,
                heartbeatChannel,
                builder.service,
                builder.instance);
        workers.values().forEach(ChannelWorker::start);
        if (!builder.manual) {
            dispatcher.start();
        }
    }

    /** A builder; add channels, optionally routes. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default routes: CRITICAL to every chat channel and the file; WARNING to every chat channel; INFO to the log
     * and the file. Where there is no chat channel, the log takes its place.
     */
    public static List<Route> defaultRoutes(Map<String, Channel> channels) {
        List<String> chat = names(channels, Channel.Kind.CHAT);
        List<String> file = names(channels, Channel.Kind.FILE);
        List<String> logs = names(channels, Channel.Kind.LOG);
        List<String> chatOrLog = chat.isEmpty() ? logs : chat;
        List<String> critical = new ArrayList<>(chatOrLog);
        critical.addAll(file);
        List<String> info = new ArrayList<>(logs);
        info.addAll(file);
        return List.of(
                Route.of("critical", Severity.CRITICAL, critical),
                Route.of("warning", Severity.WARNING, chatOrLog),
                Route.of("info", Severity.INFO, info));
    }

    @Override
    public void send(Alert alert) {
        if (alert == null) {
            return;
        }
        meters.received(alert.severity());
        RawAlertRecorder raw = recorder;
        if (raw != null) {
            raw.record(alert, clock.instant());
        }
        dispatcher.enqueue(alert);
    }

    /** The silences; add and expire them from any thread. */
    public Silences silences() {
        return silences;
    }

    /** The routes in force. */
    public List<Route> routes() {
        return routes;
    }

    /** Names of the channels, in order. */
    public List<String> channels() {
        return List.copyOf(workers.keySet());
    }

    /**
     * Stops taking alerts, sends what is queued or held for grouping, delivers for up to {@code 5 s}, writes the rest
     * (but INFO) to the file, then closes every channel ({@link Channel#close()}: the HTTP channels' clients, the
     * file); a channel whose close fails is logged at WARN and the others are still closed.
     */
    @Override
    public void close() {
        dispatcher.stop(); // then what is queued, and the messages still waiting out their group wait
        for (ChannelWorker worker : workers.values()) {
            worker.close(Duration.ofSeconds(5));
        }
        for (ChannelWorker worker : workers.values()) {
            Channel channel = worker.channel();
            try {
                channel.close();
            } catch (RuntimeException e) {
                log.warn(
                        "Alert channel '{}' failed to close: {}",
                        channel.name(),
                        e.getClass().getName());
            }
        }
        RawAlertRecorder raw = recorder;
        if (raw != null) {
            raw.close();
        }
    }

    /** Runs the pipeline on what is queued and on the clock's time now; the dispatcher thread's one step. */
    void dispatchPending(boolean forceTick) {
        dispatcher.dispatchPending(forceTick);
    }

    private void channelRejects(String channel, int status, String detail) {
        send(Alert.builder(Severity.WARNING, "Alert channel '" + channel + "' rejects us: " + status)
                .detail("The receiver answered " + detail + " and will not be retried: check the channel's"
                        + " configuration (webhook address, token). Its messages go to the alert file meanwhile.")
                .fingerprint("alert-channel-rejected|" + channel + "|" + status)
                .label("module", "alert")
                .label("channel", channel)
                .label(Pipeline.EXCLUDE_CHANNEL, channel)
                .build());
    }

    private void validate(Map<String, Channel> channels) {
        for (Route route : routes) {
            for (String channel : route.channels()) {
                if (!channels.containsKey(channel)) {
                    throw new IllegalArgumentException("Alert route '" + route.name() + "' names channel '" + channel
                            + "', which is not configured; channels: " + channels.keySet());
                }
            }
        }
        if (heartbeatChannel != null && !channels.containsKey(heartbeatChannel)) {
            throw new IllegalArgumentException("Alert heartbeat channel '" + heartbeatChannel
                    + "' is not configured; channels: " + channels.keySet());
        }
    }

    private static List<String> names(Map<String, Channel> channels, Channel.Kind kind) {
        return channels.values().stream()
                .filter(channel -> channel.kind() == kind)
                .map(Channel::name)
                .toList();
    }

    /**
     * Router settings; setters check their value at once. Defaults: system clock, no meters, the default routes,
     * {@link Fatigue#DEFAULTS}, intake of 10,000 alerts, a tick every 250 ms, no heartbeat, actions left out. Not
     * thread-safe.
     */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private MeterRegistry registry = new CompositeMeterRegistry();
        private final Map<String, Channel> channels = new LinkedHashMap<>();
        private final Map<String, ChannelSettings> settings = new LinkedHashMap<>();
        private final List<Route> routes = new ArrayList<>();
        private Fatigue fatigue = Fatigue.DEFAULTS;
        private int intakeCapacity = 10_000;
        private Duration tick = Duration.ofMillis(250);
        private @Nullable Duration heartbeatInterval;
        private @Nullable String heartbeatChannel;
        private String service = "service";
        private @Nullable String instance;
        private ActionLinker linker = ActionLinker.none();
        private boolean manual;
        private @Nullable Path rawAlertFile;
        private DedupLedger shared = DedupLedger.NONE;

        private Builder() {}

        /** Where windows, silences and heartbeats read the time. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Where the {@code ballast.alert.*} meters go. */
        public Builder meterRegistry(MeterRegistry value) {
            this.registry = Objects.requireNonNull(value, "meterRegistry");
            return this;
        }

        /**
         * Adds a channel with default settings: {@link ChannelSettings#DEFAULTS} for a chat channel (one message a
         * second, bursts of 5), {@link ChannelSettings#LOCAL} for the file and log channels (not rate-limited).
         */
        public Builder channel(Channel channel) {
            return channel(channel, ChannelSettings.defaultsFor(Objects.requireNonNull(channel, "channel")));
        }

        /** Adds a channel; names must be unique. */
        public Builder channel(Channel channel, ChannelSettings channelSettings) {
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(channelSettings, "settings");
            if (channels.containsKey(channel.name())) {
                throw new IllegalArgumentException("Alert channel name '" + channel.name() + "' is used twice");
            }
            channels.put(channel.name(), channel);
            settings.put(channel.name(), channelSettings);
            return this;
        }

        /** Adds a route, tried in the order added; with none, {@link #defaultRoutes} apply. */
        public Builder route(Route route) {
            routes.add(Objects.requireNonNull(route, "route"));
            return this;
        }

        /** Deduplication, throttling and flap settings. */
        public Builder fatigue(Fatigue value) {
            this.fatigue = Objects.requireNonNull(value, "fatigue");
            return this;
        }

        /** Alerts waiting for the dispatcher (100 to 1,000,000) before INFO and WARNING are dropped. */
        public Builder intakeCapacity(int capacity) {
            if (capacity < 100 || capacity > 1_000_000) {
                throw new IllegalArgumentException("Alert intakeCapacity must be 100 to 1000000, was " + capacity);
            }
            this.intakeCapacity = capacity;
            return this;
        }

        /** How often groups, flapping and the heartbeat are checked (10 ms to 10 s). */
        public Builder tick(Duration value) {
            if (value == null
                    || value.compareTo(Duration.ofMillis(10)) < 0
                    || value.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("Alert tick must be 10ms to 10s, was " + value);
            }
            this.tick = value;
            return this;
        }

        /** An INFO heartbeat every {@code interval} (at least 1 s) to {@code channel}. */
        public Builder heartbeat(Duration interval, String channel) {
            if (interval == null || interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("Alert heartbeat interval must be at least 1s, was " + interval);
            }
            this.heartbeatInterval = interval;
            this.heartbeatChannel = Objects.requireNonNull(channel, "channel");
            return this;
        }

        /** The service's name in heartbeats (1 to 64 characters). */
        public Builder service(String name) {
            if (name == null || name.isBlank() || name.length() > 64) {
                throw new IllegalArgumentException("Alert service name must be 1 to 64 characters, was '" + name + "'");
            }
            this.service = name;
            return this;
        }

        /**
         * The name of this instance (1 to 100 printable characters without surrounding spaces; the starter passes
         * {@code ballast.instance-name}): every message this router sends names it (Discord's footer, Slack's context
         * line, the webhook's and the file's {@code instance}, the log line), so that two instances' messages about
         * one condition, their resolved messages included, can be told apart. Without one, messages name no
         * instance.
         */
        public Builder instance(String name) {
            if (name == null
                    || name.isBlank()
                    || name.length() > 100
                    || !name.equals(name.strip())
                    || name.codePoints()
                            .anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
                throw new IllegalArgumentException("Alert instance name must be 1 to 100 printable characters without"
                        + " surrounding spaces, was '" + name + "'");
            }
            this.instance = name;
            return this;
        }

        /** Turns operation actions into links; without one they are left out of messages. */
        public Builder actionLinker(ActionLinker value) {
            this.linker = Objects.requireNonNull(value, "actionLinker");
            return this;
        }

        /**
         * Also writes every alert {@link AlertRouter#send} receives, before silences, deduplication, grouping and
         * throttling, to {@code file} as a JSON line (time received, severity, fingerprint, title, labels; never the
         * detail or actions), from a thread of its own behind a bounded queue, so a run's raw alerts can be replayed
         * (docs/alerting.md). Off unless set; the file is appended to.
         */
        public Builder recordRawAlerts(Path file) {
            this.rawAlertFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Deduplicates across the instances of a service through {@code ledger} (shared by them, such as a
         * {@link JdbcDedupLedger} on the service's database): of the instances that raise the same fingerprint at the
         * same severity within the dedup window, one sends and the others count repeats on its claim. Default
         * {@link DedupLedger#NONE}: each instance deduplicates only its own alerts.
         */
        public Builder sharedDedup(DedupLedger ledger) {
            this.shared = Objects.requireNonNull(ledger, "ledger");
            return this;
        }

        /** No dispatcher thread: tests call {@code dispatchPending} after moving their clock. */
        Builder manual() {
            this.manual = true;
            return this;
        }

        /** The router, its dispatcher and channel threads running. */
        public AlertRouter build() {
            return new AlertRouter(this);
        }
    }
}

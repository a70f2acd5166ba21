package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Issue 16 item 6 (F7): docs/metrics.md lists every meter Ballast publishes with exactly the tags it carries. The
 * adoption app runs with Redis (caches with their L2, the resilient lock), takes a lock, reads a cache and publishes an
 * outbox event; then every {@code ballast.*} and {@code cache.*} meter in its registry must be in the page with the
 * same tag keys (a table row's tags, plus its section's "every meter has tag" ones).
 */
@SpringBootTest(
        properties = {
            "ballast.cache.caches.prices.value-type=java.math.BigDecimal",
            "ballast.outbox.relay.poll-interval=50ms",
            "spring.data.redis.host=127.0.0.1"
        })
class MetricsDocTest {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @RegisterExtension
    final LogCapture quiet = LogCapture.of("dev.ballast");

    @Autowired
    MeterRegistry registry;

    @Autowired
    TradeService trades;

    @Test
    void everyBallastAndCacheMeterOfARunningAppIsDocumentedWithExactlyItsTags() throws IOException {
        trades.price("005930");
        trades.price("005930");
        trades.book("T-metrics-1", "A-1", new BigDecimal("10.00"));
        Eventually.within(
                Duration.ofSeconds(10),
                "the trade's event is published",
                () -> registry.find("ballast.outbox.published").counter() != null
                        && registry.find("ballast.outbox.published").counter().count() >= 1);

        Map<String, Set<String>> documented = documented(RepositoryDocsTest.ROOT.resolve("docs/metrics.md"));
        Map<String, Set<String>> registered = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (name.startsWith("ballast.") || name.startsWith("cache.")) {
                Set<String> keys = registered.computeIfAbsent(name, n -> new TreeSet<>());
                meter.getId().getTags().stream().map(Tag::getKey).forEach(keys::add);
            }
        }

        List<String> wrong = new ArrayList<>();
        registered.forEach((name, tags) -> {
            if (!documented.containsKey(name)) {
                wrong.add(name + " " + tags + " is not in docs/metrics.md");
            } else if (!documented.get(name).equals(tags)) {
                wrong.add(name + " has tags " + tags + ", docs/metrics.md says " + documented.get(name));
            }
        });
        assertThat(registered).containsKeys("cache.gets", "ballast.cache.gets", "ballast.lock.wait", "ballast.task");
        assertThat(wrong).isEmpty();
    }

    /** Meter name to tag keys, from the tables of docs/metrics.md. */
    static Map<String, Set<String>> documented(Path page) throws IOException {
        Map<String, Set<String>> meters = new TreeMap<>();
        Set<String> sectionTags = Set.of();
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("## ")) {
                int every = line.indexOf("every meter has tag");
                sectionTags = every < 0 ? Set.of() : codes(line.substring(every));
            } else if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                Set<String> tags = new TreeSet<>(codes(cells[3].replaceAll("\\([^)]*\\)", "")));
                tags.addAll(sectionTags);
                for (String name : codes(cells[1])) {
                    meters.put(name, tags);
                }
            }
        }
        return meters;
    }

    private static Set<String> codes(String text) {
        Set<String> codes = new TreeSet<>();
        Matcher matcher = CODE.matcher(text);
        while (matcher.find()) {
            codes.add(matcher.group(1));
        }
        return codes;
    }
}

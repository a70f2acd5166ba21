package dev.ballast.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.cache.CacheSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 16 item 7: {@code docs/configuration.md} is generated from the IDE metadata the configuration processor writes
 * ({@code target/classes/META-INF/spring-configuration-metadata.json}, from the Javadoc of the properties records and
 * {@code additional-spring-configuration-metadata.json}), so the page cannot drift from the code. This test regenerates
 * the page and fails when the committed one differs; regenerate it with the command in {@link #REGENERATE}.
 */
class ConfigurationReferenceTest {

    static final String REGENERATE =
            "./mvnw -pl ballast-spring-boot-starter clean test -Dtest=ConfigurationReferenceTest -Dballast.docs.write=true";

    private static final Path MODULE =
            Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path METADATA = MODULE.resolve("target/classes/META-INF/spring-configuration-metadata.json");
    private static final Path PAGE = MODULE.resolve("../docs/configuration.md").normalize();

    @Test
    void everyBallastPropertyHasAPlainTextDescription() throws IOException {
        List<String> missing = new ArrayList<>();
        List<String> javadocMarkup = new ArrayList<>();
        for (JsonNode property : ballastProperties()) {
            String description = property.path("description").asString("");
            if (description.isBlank()) {
                missing.add(property.path("name").asString());
            }
            if (description.contains("{@") || description.contains("<")) {
                javadocMarkup.add(property.path("name").asString());
            }
        }
        assertThat(missing)
                .as("properties without a description (an @param in their record)")
                .isEmpty();
        assertThat(javadocMarkup)
                .as("descriptions with Javadoc markup, which IDEs show verbatim")
                .isEmpty();
        assertThat(ballastProperties()).hasSizeGreaterThan(100);
    }

    @Test
    void theCacheDefaultsInTheMetadataAreCacheSettingsOwnDefaults() throws IOException {
        CacheSettings defaults = CacheSettings.builder("any").build();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("version", defaults.version());
        expected.put("l1-maximum-size", defaults.l1MaximumSize());
        expected.put("l1-ttl", defaults.l1Ttl());
        expected.put("l2-ttl", defaults.l2Ttl());
        expected.put("ttl-jitter", defaults.ttlJitter());
        expected.put("negative-ttl", defaults.negativeTtl());
        expected.put("max-value-bytes", defaults.maxValueBytes());
        expected.put("load-wait", defaults.loadWait());
        expected.put("on-load-wait-timeout", defaults.onLoadWaitTimeout().name());
        expected.put("stale-ttl", defaults.staleTtl());
        expected.put("load-lease", defaults.loadLease());
        expected.put("early-refresh-beta", defaults.earlyRefreshBeta());
        expected.put("l2-timeout", defaults.l2Timeout());
        Map<String, JsonNode> byName = ballastProperties().stream()
                .collect(Collectors.toMap(p -> p.path("name").asString(), p -> p));
        expected.forEach((key, value) -> {
            JsonNode declared = byName.get("ballast.cache.defaults." + key).path("defaultValue");
            Object actual = value instanceof Duration
                    ? DurationStyle.detectAndParse(declared.asString())
                    : value instanceof String ? declared.asString() : declared.numberValue();
            if (value instanceof Number number) {
                assertThat(((Number) actual).doubleValue()).as(key).isEqualTo(number.doubleValue());
            } else {
                assertThat(actual).as(key).isEqualTo(value);
            }
        });
    }

    @Test
    void docsConfigurationMdIsGeneratedFromTheMetadata() throws IOException {
        String generated = page(ballastProperties());
        if (Boolean.getBoolean("ballast.docs.write")) {
            Files.writeString(PAGE, generated, StandardCharsets.UTF_8);
        }
        String committed = Files.exists(PAGE) ? Files.readString(PAGE, StandardCharsets.UTF_8) : "";
        assertThat(committed)
                .as("docs/configuration.md is out of date with the properties' Javadoc; regenerate it with: "
                        + REGENERATE)
                .isEqualTo(generated);
    }

    private static List<JsonNode> ballastProperties() throws IOException {
        assertThat(METADATA)
                .as("the configuration processor's output (compile the starter first)")
                .exists();
        JsonNode root = JsonMapper.builder().build().readTree(METADATA.toFile());
        List<JsonNode> properties = new ArrayList<>();
        root.path("properties").forEach(p -> {
            if (p.path("name").asString().startsWith("ballast.")) {
                properties.add(p);
            }
        });
        return properties;
    }

    static String page(List<JsonNode> properties) {
        Map<String, List<JsonNode>> byModule = new TreeMap<>();
        for (JsonNode property : properties) {
            String module = property.path("name").asString().split("\\.")[1];
            byModule.computeIfAbsent(module, m -> new ArrayList<>()).add(property);
        }
        StringBuilder page = new StringBuilder();
        page.append("# Configuration reference\n\n");
        page.append("<!-- GENERATED from the starter's configuration metadata: do not edit by hand. Regenerate with\n");
        page.append("     ").append(REGENERATE).append(" -->\n\n");
        page.append(
                "Every `ballast.*` property of the Spring Boot starter: its type, default and what it does, with the"
                        + " valid range in\nbrackets. This page is generated from the same metadata your IDE shows when you"
                        + " edit `application.yml`\n(the Javadoc of the starter's properties records), and a test of the"
                        + " starter fails when the two differ.\n");
        page.append("Durations are written `500ms`, `30s`, `5m`, `1h`, `7d`; sizes `512KB`, `1MB`. Invalid values fail"
                + " start-up with a\nmessage naming the property and the value as written. A `ballast.*` setting"
                + " that is none of these\n(a typo) is ignored and named in a WARN line at start-up, with the nearest"
                + " property.\n\n");
        page.append(byModule.keySet().stream()
                        .map(m -> "[ballast." + m + "](#ballast" + m + ")")
                        .collect(Collectors.joining(" · ")))
                .append("\n");
        byModule.forEach((module, list) -> {
            page.append("\n## ballast.").append(module).append("\n\n");
            page.append("| property | type | default | description |\n|---|---|---|---|\n");
            list.stream()
                    .sorted((a, b) ->
                            a.path("name").asString().compareTo(b.path("name").asString()))
                    .forEach(p -> page.append("| `")
                            .append(p.path("name").asString())
                            .append("` | ")
                            .append(type(p.path("type").asString()))
                            .append(" | ")
                            .append(defaultValue(p.path("defaultValue")))
                            .append(" | ")
                            .append(cell(p.path("description").asString("")))
                            .append(" |\n"));
        });
        return page.toString();
    }

    /** {@code java.util.Map<java.lang.String,...$Channel>} becomes {@code Map<String, Channel>}; enums list values. */
    private static String type(String type) {
        if (!type.contains("<")) {
            try {
                Class<?> found = Class.forName(type);
                if (found.isEnum()) {
                    return Arrays.stream(found.getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
                }
            } catch (ClassNotFoundException e) {
                // not on the test class path: shown by its simple name
            }
        }
        String simple = type.replaceAll("[a-z0-9_]+\\.", "")
                .replaceAll("[A-Za-z0-9_]+\\$", "")
                .replace(",", ", ");
        String shown =
                switch (simple) {
                    case "Boolean" -> "boolean";
                    case "Integer" -> "int";
                    case "Long" -> "long";
                    case "Double" -> "double";
                    default -> simple;
                };
        return "`" + shown + "`";
    }

    private static String defaultValue(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return "unset";
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asString()));
            return "`" + String.join(", ", items) + "`";
        }
        return "`" + value.asString() + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}

package dev.ballast.boot.autoconfigure.diagnostics;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Warns, once per start, about each {@code ballast.*} setting that no Ballast property has: a typo such as {@code
 * ballast.outbox.relay.max-attemps} would otherwise be ignored without a word and the default used. The known properties
 * come from the configuration metadata of the Ballast jars on the class path ({@code
 * META-INF/spring-configuration-metadata.json}, the file IDEs complete from); under a map- or list-valued property
 * (cache names, routes, channels, keys) every name is accepted, except that a cache's keys ({@code
 * ballast.cache.caches.<name>.<key>}) are those of {@code ballast.cache.defaults}. Names are compared without dots, dashes and case, so
 * environment variables ({@code BALLAST_OUTBOX_RELAY_POLL_INTERVAL}) match. The line names the setting, where it came
 * from, the nearest known property and says it is ignored. Runs when the environment is ready, before any bean, so it is
 * logged also when start-up fails later. Registered in {@code META-INF/spring.factories}.
 */
final class UnknownBallastProperties implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    private static final Logger log = LoggerFactory.getLogger(UnknownBallastProperties.class);

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final Pattern INDEX = Pattern.compile("\\[[^\\]]*\\]");
    private static final ConfigurationPropertyName BALLAST = ConfigurationPropertyName.of("ballast");

    /**
     * Names of earlier snapshots that a shipped file still shows: the comments of the lock's Flyway scripts name {@code
     * ballast.lock.jdbc.create-table} (a migration's text is part of its checksum, so they stay as applied), and
     * earlier docs {@code ballast.outbox.create-schema}. Matched like any name (dots, dashes and case ignored).
     */
    private static final Map<String, String> RENAMED = Map.of(
            "ballast.lock.jdbc.create-table",
            "ballast.lock.jdbc.schema.initialize (false is never, true is always)",
            "ballast.outbox.create-schema",
            "ballast.outbox.schema.initialize (false is never, true is always)");

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment environment = event.getEnvironment();
        Known known = Known.load(Thread.currentThread().getContextClassLoader());
        if (known.properties.isEmpty()) {
            return; // no metadata on the class path (a shaded or trimmed jar): nothing to compare with
        }
        for (Map.Entry<String, String> unknown : unknown(environment, known).entrySet()) {
            String renamed = renamed(unknown.getKey());
            String nearest = renamed != null ? null : known.suggestion(unknown.getKey());
            log.warn(
                    "Unknown Ballast setting {}{}: no Ballast property has this name, so it is ignored.{}"
                            + " docs/configuration.md lists every ballast.* property",
                    unknown.getKey(),
                    unknown.getValue().isEmpty() ? "" : " (from " + unknown.getValue() + ")",
                    renamed != null
                            ? " It was renamed: set " + renamed + "."
                            : nearest == null ? "" : " Did you mean " + nearest + "?");
        }
    }

    /** The property that replaced {@code name}, with how its values map, if {@code name} is an earlier one. */
    static @Nullable String renamed(String name) {
        String normalized = Known.normalize(name);
        for (Map.Entry<String, String> old : RENAMED.entrySet()) {
            if (Known.normalize(old.getKey()).equals(normalized)) {
                return old.getValue();
            }
        }
        return null;
    }

    /** Each {@code ballast.*} name in the environment that no known property has, with where it came from. */
    static Map<String, String> unknown(ConfigurableEnvironment environment, Known known) {
        Map<String, String> unknown = new LinkedHashMap<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            iterable.stream()
                    .filter(BALLAST::isAncestorOf)
                    .filter(name -> !known.accepts(name.toString()))
                    .forEach(name -> unknown.computeIfAbsent(name.toString(), key -> origin(source, name)));
        }
        return unknown;
    }

    private static String origin(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        ConfigurationProperty property = source.getConfigurationProperty(name);
        return property == null || property.getOrigin() == null
                ? ""
                : property.getOrigin().toString();
    }

    /** The Ballast properties of the configuration metadata on the class path. */
    static final class Known {
        private static final String CACHES = "ballast.cache.caches";
        private static final String CACHE_DEFAULTS = "ballast.cache.defaults.";

        final Set<String> properties = new TreeSet<>();
        private final Set<String> exact = new TreeSet<>();
        private final List<String> open = new ArrayList<>();

        static Known load(@Nullable ClassLoader loader) {
            Known known = new Known();
            ClassLoader classLoader = loader != null ? loader : UnknownBallastProperties.class.getClassLoader();
            try {
                Enumeration<URL> files = classLoader.getResources(METADATA);
                while (files.hasMoreElements()) {
                    known.read(files.nextElement());
                }
            } catch (IOException e) {
                log.debug("Could not read the configuration metadata: {}", e.toString());
            }
            return known;
        }

        private void read(URL file) throws IOException {
            String json;
            try (InputStream in = file.openStream()) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Object properties = JsonParserFactory.getJsonParser().parseMap(json).get("properties");
            if (!(properties instanceof List<?> list)) {
                return;
            }
            for (Object item : list) {
                if (item instanceof Map<?, ?> property
                        && property.get("name") instanceof String name
                        && name.startsWith("ballast.")) {
                    add(name, property.get("type") instanceof String type ? type : "");
                }
            }
        }

        void add(String name, String type) {
            properties.add(name);
            exact.add(normalize(name));
            if (type.startsWith("java.util.Map")
                    || type.startsWith("java.util.List")
                    || type.startsWith("java.util.Set")
                    || type.endsWith("[]")) {
                open.add(normalize(name));
            }
        }

        boolean accepts(String name) {
            String normalized = normalize(name);
            if (exact.contains(normalized)) {
                return true;
            }
            String perCache = perCacheKey(name);
            if (perCache != null) { // a cache's settings have the keys of ballast.cache.defaults
                return perCache.isEmpty() || exact.contains(normalize(CACHE_DEFAULTS + perCache));
            }
            return open.stream().anyMatch(normalized::startsWith);
        }

        /**
         * For {@code ballast.cache.caches.<name>.<key>} (or {@code [<name>]}), the key: empty for the name alone; null
         * for any other property.
         */
        static @Nullable String perCacheKey(String name) {
            if (!name.startsWith(CACHES)) {
                return null;
            }
            String rest = name.substring(CACHES.length());
            int keyStart;
            if (rest.isEmpty()) {
                return "";
            } else if (rest.startsWith("[")) {
                int close = rest.indexOf(']');
                if (close < 0) {
                    return null;
                }
                keyStart = close + 1;
            } else if (rest.startsWith(".")) {
                int dot = rest.indexOf('.', 1);
                keyStart = dot < 0 ? rest.length() : dot;
            } else {
                return null; // another property that starts with the same letters
            }
            String key = rest.substring(keyStart);
            return key.startsWith(".") ? key.substring(1) : key;
        }

        /** What to suggest for an unknown {@code name}: for a cache's key, the nearest key of that cache. */
        @Nullable
        String suggestion(String name) {
            String perCache = perCacheKey(name);
            if (perCache == null || perCache.isEmpty()) {
                return nearest(name);
            }
            String nearestDefault = nearest(CACHE_DEFAULTS + perCache);
            if (nearestDefault == null || !nearestDefault.startsWith(CACHE_DEFAULTS)) {
                return null;
            }
            return name.substring(0, name.length() - perCache.length())
                    + nearestDefault.substring(CACHE_DEFAULTS.length());
        }

        /** The known property closest to {@code name} by edit distance, if it is close enough to be a typo. */
        @Nullable
        String nearest(String name) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String candidate : properties) {
                int distance = distance(name, candidate);
                if (distance < bestDistance) {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            return bestDistance <= Math.max(3, name.length() / 6) ? best : null;
        }

        private static String normalize(String name) {
            return INDEX.matcher(name)
                    .replaceAll("")
                    .replace(".", "")
                    .replace("-", "")
                    .replace("_", "")
                    .toLowerCase(Locale.ROOT);
        }

        private static int distance(String a, String b) {
            int[] previous = new int[b.length() + 1];
            int[] current = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                previous[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                current[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                    current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
                }
                int[] swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.length()];
        }
    }
}

package dev.ballast.boot.internal;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code ballast.instance-name}: the one name an instance goes by in every Ballast module: every alert message it
 * sends and its per-instance alert buttons, the resilient lock chain's
 * alerts and log lines ("on instance …", who switched), the outbox relay's leases and {@code /actuator/outbox}. Unless
 * the application sets it, each application context gets {@code <pid>@<host>-<8 random hex digits>} at the lowest
 * precedence, made once, so the lock chain and the relay of one instance name it the same way and two contexts in one
 * JVM (tests) do not share a name.
 */
public final class InstanceName implements EnvironmentPostProcessor {

    /** The property. */
    public static final String PROPERTY = "ballast.instance-name";

    private static final String SOURCE = "ballastInstanceName";
    private static final int MAX = 100;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getPropertySources().contains(SOURCE)) {
            String generated = ManagementFactory.getRuntimeMXBean().getName() + "-"
                    + UUID.randomUUID().toString().substring(0, 8);
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(PROPERTY, cut(generated))));
        }
    }

    /**
     * This instance's name: the property, else the generated one, else (an environment this post-processor did not
     * see) a fresh generated name.
     *
     * @throws InvalidBallastPropertyException if set blank, over 100 characters or with control characters
     */
    public static String of(Environment environment) {
        String name = environment.getProperty(PROPERTY);
        if (name == null) {
            return cut(ManagementFactory.getRuntimeMXBean().getName() + "-"
                    + UUID.randomUUID().toString().substring(0, 8));
        }
        String trimmed = name.strip();
        if (trimmed.isEmpty()
                || trimmed.length() > MAX
                || trimmed.codePoints()
                        .anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
            throw InvalidBallastPropertyException.invalid(
                    PROPERTY,
                    name,
                    "must be 1 to " + MAX + " printable characters (no control or format characters, such as a"
                            + " right-to-left override)");
        }
        return trimmed;
    }

    /** A host name can be long: keep the random end, which tells two contexts on one host apart. */
    private static String cut(String generated) {
        return generated.length() <= MAX ? generated : generated.substring(generated.length() - MAX);
    }
}

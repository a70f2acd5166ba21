package dev.ballast.example.brokerage.cluster;

import dev.ballast.test.ChildService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Instances of the example as an operator runs them: {@code target/brokerage-service.jar} in a child JVM ({@link
 * ChildService}), configured only through environment variables, with its log in {@code target/cluster/<name>/out.log}.
 */
final class ExampleInstance {

    static final Path JAR = Path.of("target", "brokerage-service.jar");

    private ExampleInstance() {}

    /** Starts the jar (not waiting for it) with {@code environment}. */
    static ChildService start(String name, Map<String, String> environment) throws IOException {
        return ChildService.start(JAR, Path.of("target", "cluster", name), environment);
    }
}

package dev.ballast.test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool from a Debian package (promtool, amtool, prometheus, prometheus-alertmanager, chromedriver). A
 * missing binary fails the test with an {@link AssertionError} naming the package to install; it is never skipped.
 * Immutable.
 *
 * @param binary the executable
 */
public record DebianTool(Path binary) {

    /** The tool {@code name}, from {@code PATH} or {@code /usr/bin}; fails naming {@code debianPackage} if absent. */
    public static DebianTool require(String name, String debianPackage) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                candidates.add(Path.of(dir, name));
            }
        }
        candidates.add(Path.of("/usr/bin", name));
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return new DebianTool(candidate);
            }
        }
        throw new AssertionError("'" + name + "' is not installed: install the Debian package '" + debianPackage
                + "' (apt-get install " + debianPackage + "; .ci/run does this when it is missing)");
    }

    /** Runs the tool with {@code args} in {@code dir}, at most 60 s; returns exit code and output. */
    public Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(binary + " did not finish within 60 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.exitValue(), output);
    }

    /** Exit code and combined output. */
    public record Result(int exitCode, String output) {}

    /** The repository's {@code ops/} directory, found upwards from the working directory. */
    public static Path opsDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("ops/prometheus"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError("ops/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("ops");
    }
}

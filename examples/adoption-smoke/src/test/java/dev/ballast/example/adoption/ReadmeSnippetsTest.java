package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.OutboxEvent;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Issue 16 item 11: the README's "Add it to your service" snippets are what this module builds with, and compile. */
class ReadmeSnippetsTest {

    private static final Pattern XML = Pattern.compile("## Add it to your service.*?```xml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern JAVA =
            Pattern.compile("## Add it to your service.*?```java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path directory;

    @Test
    void theReadmesCoordinatesAreTheOnesThisModuleIsBuiltWith() throws Exception {
        String xml = section(XML);
        String pom = squeeze(Files.readString(RepositoryDocsTest.ROOT.resolve("examples/adoption-smoke/pom.xml")));
        String dependencyManagement = xml.substring(0, xml.indexOf("</dependencyManagement>") + 23);
        String dependencies = xml.substring(xml.indexOf("<dependencies>", dependencyManagement.length()));
        assertThat(pom).contains(squeeze(dependencyManagement));
        assertThat(pom).contains(squeeze(dependencies).replace("</dependencies>", ""));
        assertThat(xml).contains(version());
    }

    @Test
    void theReadmesQuickStartCompiles() throws Exception {
        String snippet = section(JAVA);
        assertThat(snippet)
                .as("the snippet shows its imports, so nobody has to guess the packages")
                .contains("import dev.ballast.boot.DistributedLock;")
                .contains("import dev.ballast.boot.Task;")
                .contains("import dev.ballast.boot.outbox.TransactionalOutbox;")
                .contains("import dev.ballast.outbox.OutboxEvent;");
        String source = "package quickstart;\n\n" + snippet; // compiled as it stands: no import is added here
        Path file = directory.resolve("quickstart/Orders.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        String classpath = Stream.of(
                        DistributedLock.class,
                        Task.class,
                        TransactionalOutbox.class,
                        OutboxEvent.class,
                        Cacheable.class,
                        Service.class,
                        Transactional.class,
                        org.springframework.core.annotation.AliasFor.class,
                        org.jspecify.annotations.Nullable.class)
                .map(ReadmeSnippetsTest::location)
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int result = javac.run(
                null,
                null,
                errors,
                List.of("-proc:none", "-cp", classpath, "-d", directory.toString(), file.toString())
                        .toArray(String[]::new));
        assertThat(result).as(errors.toString()).isZero();
        assertThat(directory.resolve("quickstart/Orders.class")).exists();
    }

    private static String section(Pattern pattern) throws Exception {
        Matcher matcher = pattern.matcher(Files.readString(RepositoryDocsTest.ROOT.resolve("README.md")));
        assertThat(matcher.find())
                .as("README section 'Add it to your service' with " + pattern)
                .isTrue();
        return matcher.group(1);
    }

    private static String version() throws Exception {
        Matcher version = Pattern.compile("<version>([^<]+)</version>")
                .matcher(Files.readString(RepositoryDocsTest.ROOT.resolve("pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1);
    }

    private static String squeeze(String xml) {
        return xml.replaceAll("<!--.*?-->", "").replaceAll("\\s+", "");
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 16 item 10: the repository stands alone; every local link of the README and docs resolves inside it. */
class RepositoryDocsTest {

    /** The repository's root: this module is examples/adoption-smoke, and Maven runs its tests there. */
    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../..").normalize();

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyLocalLinkOfTheReadmeAndDocsPointsToAFileInTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            String text = Files.readString(page);
            assertThat(text).as(page + " names a path outside the repository").doesNotContain("../shared");
            Matcher links = LINK.matcher(text);
            while (links.find()) {
                String target = links.group(1);
                if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("#")) {
                    continue;
                }
                String file = target.replaceFirst("#.*$", "");
                Path resolved = page.getParent().resolve(file).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(page) + " -> " + target);
                }
            }
        }
        assertThat(broken).as("links that do not resolve inside the repository").isEmpty();
    }

    @Test
    void theReadmeLinksTheArchitecturePage() throws IOException {
        assertThat(ROOT.resolve("docs/architecture.md")).exists();
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains("](docs/architecture.md)");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).forEach(pages::add);
        }
        return pages;
    }
}

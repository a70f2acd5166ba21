package dev.ballast.boot.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.internal.aop.MethodExpression;
import dev.ballast.boot.internal.diagnostics.InvalidAnnotationExpressionException;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * Issue 16 (F5): a {@code @Task}/{@code @DistributedLock} expression naming a parameter works only when the class was
 * compiled with {@code -parameters}. The bean class here is compiled at test time by javac, with and without the flag:
 * without it, start-up fails with Boot's failure report naming the method, the expression and both fixes; positional
 * references ({@code #p0}, {@code #a0}) work either way.
 */
class ExpressionParameterNamesTest {

    private static final String NAMED = """
            package compiled;

            import dev.ballast.boot.DistributedLock;
            import dev.ballast.boot.Task;

            public class Orders {
                @Task(domain = "Order", task = "Place", id = "#orderId")
                @DistributedLock(key = "'order:' + #orderId")
                public void place(String orderId, Runnable inside) {
                    inside.run();
                }
            }
            """;

    private static final String POSITIONAL = """
            package compiled;

            import dev.ballast.boot.DistributedLock;
            import dev.ballast.boot.Task;

            public class Orders {
                @Task(domain = "Order", task = "Place", id = "#a0")
                @DistributedLock(key = "'order:' + #p0")
                public void place(String orderId, Runnable inside) {
                    inside.run();
                }
            }
            """;

    private static final String SEVERAL = """
            package compiled;

            import dev.ballast.boot.DistributedLock;
            import dev.ballast.boot.Task;

            public class Orders {
                @Task(domain = "Order", task = "Place", id = "#orderId")
                @DistributedLock(key = "'order:' + #orderId + ':' + #accountId")
                public void place(String orderId, String accountId, Runnable inside) {
                    inside.run();
                }

                @DistributedLock(key = "'cancel:' + #orderId")
                public void cancel(String orderId) {}
            }
            """;

    /** Boot's failure report, kept off the console and read here. */
    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework");

    @TempDir
    Path directory;

    @Test
    void aParameterNameWithoutParameterNamesInTheClassFileFailsStartUpNamingTheMethodTheExpressionAndBothFixes()
            throws Exception {
        ClassLoader loader = compile(NAMED, false);

        assertThatThrownBy(() -> start(loader)).hasRootCauseInstanceOf(InvalidAnnotationExpressionException.class);

        String report = failureReport();
        assertThat(report)
                .contains("APPLICATION FAILED TO START")
                .contains("compiled.Orders.place")
                .contains("#orderId")
                .contains("compiled without parameter names (javac -parameters)")
                .contains("Action:")
                .contains("<maven.compiler.parameters>true</maven.compiler.parameters>")
                .contains("#p0 (or #a0) is the first");
    }

    @Test
    void everyUnresolvableParameterNameOfEveryAnnotatedMethodIsNamedInOneReport() throws Exception {
        ClassLoader loader = compile(SEVERAL, false);

        assertThatThrownBy(() -> start(loader)).hasRootCauseInstanceOf(InvalidAnnotationExpressionException.class);

        String report = failureReport();
        assertThat(report)
                .contains("4 @Task/@DistributedLock expressions cannot work")
                .contains("@Task on compiled.Orders.place: id '#orderId' refers to #orderId")
                .contains("@DistributedLock on compiled.Orders.place: key ''order:' + #orderId + ':' + #accountId'"
                        + " refers to #orderId")
                .contains("@DistributedLock on compiled.Orders.place: key ''order:' + #orderId + ':' + #accountId'"
                        + " refers to #accountId")
                .contains("@DistributedLock on compiled.Orders.cancel: key ''cancel:' + #orderId' refers to #orderId")
                .contains("Action:")
                .contains("<maven.compiler.parameters>true</maven.compiler.parameters>");
        assertThat(report.split("Either compile with parameter names", -1))
                .as("the shared fix is given once")
                .hasSize(2);
    }

    @Test
    void theSameClassCompiledWithParametersStartsAndLocksTheNamedKey() throws Exception {
        ClassLoader loader = compile(NAMED, true);

        try (ConfigurableApplicationContext context = start(loader)) {
            assertThat(heldWhilePlacing(context, "A-1")).isTrue();
        }
    }

    @Test
    void positionalReferencesWorkWithoutParameterNames() throws Exception {
        ClassLoader loader = compile(POSITIONAL, false);

        try (ConfigurableApplicationContext context = start(loader)) {
            assertThat(heldWhilePlacing(context, "A-2")).isTrue();
        }
    }

    @Test
    void aPositionPastTheLastParameterFailsNamingTheCount() throws Exception {
        Method place = Positions.class.getMethod("place", String.class, Runnable.class);

        assertThatThrownBy(() -> MethodExpression.parse(place, "'order:' + #p2", "@DistributedLock on place", "key"))
                .isInstanceOf(InvalidAnnotationExpressionException.class)
                .hasMessageContaining("refers to #p2, but the method has 2 parameters");
        assertThat(MethodExpression.parse(place, "#a1", "@Task on place", "id")).isNotNull();
    }

    /** A method to parse expressions for. */
    public static class Positions {
        public void place(String orderId, Runnable inside) {
            inside.run();
        }
    }

    /** Calls {@code place(orderId, inside)} and, inside, tries the lock {@code order:<orderId>} from another thread. */
    private static boolean heldWhilePlacing(ConfigurableApplicationContext context, String orderId) throws Exception {
        Object orders = context.getBean("orders");
        LockStrategy locks = context.getBean(LockStrategy.class);
        List<Boolean> busy = new ArrayList<>();
        Runnable inside = () -> busy.add(CompletableFuture.supplyAsync(() -> {
                    try (LockHandle ignored =
                            locks.tryAcquire("order:" + orderId, Duration.ZERO, Duration.ofSeconds(5))) {
                        return false;
                    } catch (LockAcquisitionException held) {
                        return true;
                    }
                })
                .orTimeout(5, TimeUnit.SECONDS)
                .join());
        Method place = orders.getClass().getMethod("place", String.class, Runnable.class);
        place.invoke(orders, orderId, inside);
        return busy.equals(List.of(true));
    }

    private ClassLoader compile(String source, boolean parameters) throws Exception {
        Path file = directory.resolve("src/compiled/Orders.java");
        Path classes = directory.resolve("classes");
        Files.createDirectories(file.getParent());
        Files.createDirectories(classes);
        Files.writeString(file, source);
        String classpath = String.join(
                File.pathSeparator,
                location(Task.class),
                location(DistributedLock.class),
                location(org.jspecify.annotations.Nullable.class),
                location(org.springframework.core.annotation.AliasFor.class));
        List<String> options =
                new ArrayList<>(List.of("-proc:none", "-cp", classpath, "-d", classes.toString(), file.toString()));
        if (parameters) {
            options.addFirst("-parameters");
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int result = javac.run(null, null, errors, options.toArray(String[]::new));
        assertThat(result).as(errors.toString()).isZero();
        return new URLClassLoader(
                new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
    }

    /** Starts {@link App} with the compiled {@code compiled.Orders} as bean {@code orders}, on the in-JVM lock. */
    private static ConfigurableApplicationContext start(ClassLoader loader) throws Exception {
        Class<?> orders = loader.loadClass("compiled.Orders");
        return new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .resourceLoader(new DefaultResourceLoader(loader))
                .properties("spring.main.banner-mode=off", "ballast.lock.backend=LOCAL")
                .initializers(context -> ((GenericApplicationContext) context).registerBean("orders", orders))
                .run();
    }

    private String failureReport() {
        return boot.eventsAtLeast(Level.ERROR).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("APPLICATION FAILED TO START"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure analysis was reported; captured: " + boot.events()));
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class})
    static class App {}
}

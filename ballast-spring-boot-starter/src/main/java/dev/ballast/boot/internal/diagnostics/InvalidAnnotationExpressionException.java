package dev.ballast.boot.internal.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A SpEL expression of {@code @Task} or {@code @DistributedLock} cannot work for the method it is on: it names a
 * parameter the method does not have, or one whose name is not in the class file (compiled without {@code
 * -parameters}), refers to a position past the last parameter, or is not valid SpEL. Thrown when the bean is proxied,
 * so the application does not start; Ballast's failure analyzer reports it as Spring Boot's "Description / Action",
 * naming the method, the expression and the fixes.
 *
 * <p>An {@link IllegalStateException}, as before it had its own type. Immutable and thread-safe.
 */
public final class InvalidAnnotationExpressionException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** What to do when parameter names are missing from the class file. */
    public static final String PARAMETER_NAMES_ACTION = "Either compile with parameter names (javac -parameters):"
            + " Spring Boot's parent POM (spring-boot-starter-parent) and its Gradle plugin already do; without them"
            + " set <maven.compiler.parameters>true</maven.compiler.parameters> in the <properties> of your pom.xml"
            + " (or <parameters>true</parameters> in the maven-compiler-plugin's configuration), or in Gradle"
            + " tasks.withType(JavaCompile).configureEach { options.compilerArgs.add('-parameters') }."
            + " Or refer to parameters by position, as Spring Cache allows: #p0 (or #a0) is the first, #p1 the second.";

    private static final String NL = System.lineSeparator();

    private final String action;
    private final List<String> problems;
    private final List<String> actions;

    private InvalidAnnotationExpressionException(String description, String action, @Nullable Throwable cause) {
        super(description, cause);
        this.action = action;
        this.problems = List.of(description);
        this.actions = List.of(action);
    }

    private InvalidAnnotationExpressionException(List<String> problems, List<String> actions) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
        this.actions = List.copyOf(actions);
        this.action = actions.size() == 1
                ? actions.getFirst()
                : "For each:" + NL + "  - " + String.join(NL + "  - ", actions);
    }

    /**
     * Several problems as one report, so one start names them all: every problem once, in the order found, and every
     * distinct action. A single problem is returned as it is.
     */
    public static InvalidAnnotationExpressionException all(List<InvalidAnnotationExpressionException> found) {
        if (found.size() == 1) {
            return found.getFirst();
        }
        Set<String> problems = new LinkedHashSet<>();
        Set<String> actions = new LinkedHashSet<>();
        for (InvalidAnnotationExpressionException each : found) {
            problems.addAll(each.problems);
            actions.addAll(each.actions);
        }
        if (problems.size() == 1) {
            return found.getFirst();
        }
        return new InvalidAnnotationExpressionException(new ArrayList<>(problems), new ArrayList<>(actions));
    }

    private static String describe(List<String> problems) {
        StringBuilder description =
                new StringBuilder().append(problems.size()).append(" @Task/@DistributedLock expressions cannot work:");
        for (String problem : problems) {
            description.append(NL).append("  - ").append(problem);
        }
        return description.toString();
    }

    /** Each problem reported, one sentence each (one for a single problem). */
    public List<String> problems() {
        return problems;
    }

    /**
     * The class file has no parameter names (compiled without {@code -parameters}), so {@code #name} cannot be
     * resolved.
     *
     * @param where the annotation and method, e.g. {@code @Task on com.example.Orders.place}
     */
    public static InvalidAnnotationExpressionException noParameterNames(
            String where, String attribute, String expression, String name) {
        return new InvalidAnnotationExpressionException(
                where + ": " + attribute + " '" + expression + "' refers to #" + name + ", but the class was compiled"
                        + " without parameter names (javac -parameters), so no parameter can be found by name",
                PARAMETER_NAMES_ACTION,
                null);
    }

    /** {@code #name} is not a parameter of the method. */
    public static InvalidAnnotationExpressionException unknownParameter(
            String where, String attribute, String expression, String name, List<String> parameters) {
        return new InvalidAnnotationExpressionException(
                where + ": " + attribute + " '" + expression + "' refers to #" + name
                        + ", which is not a parameter of the method (its parameters: "
                        + (parameters.isEmpty() ? "none" : "#" + String.join(", #", parameters)) + ")",
                "Use one of the method's parameter names, or refer to a parameter by position: #p0 (or #a0) is the"
                        + " first, #p1 the second.",
                null);
    }

    /** {@code #p3} on a method with fewer parameters. */
    public static InvalidAnnotationExpressionException noSuchPosition(
            String where, String attribute, String expression, String name, int count) {
        return new InvalidAnnotationExpressionException(
                where + ": " + attribute + " '" + expression + "' refers to #" + name + ", but the method has " + count
                        + (count == 1 ? " parameter" : " parameters"),
                "Positions count from 0: #p0 (or #a0) is the first parameter.",
                null);
    }

    /** Not valid SpEL. */
    public static InvalidAnnotationExpressionException invalidSyntax(
            String where, String attribute, String expression, Exception cause) {
        return new InvalidAnnotationExpressionException(
                where + ": " + attribute + " '" + expression + "' is not valid SpEL: " + cause.getMessage(),
                "Fix the expression: a SpEL expression over the method's parameters, e.g. #orderId,"
                        + " 'order:' + #command.orderId or #p0.",
                cause);
    }

    /** What the user should do. */
    public String action() {
        return action;
    }
}

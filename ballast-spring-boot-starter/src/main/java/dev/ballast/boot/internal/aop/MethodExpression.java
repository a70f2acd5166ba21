package dev.ballast.boot.internal.aop;

import dev.ballast.boot.internal.diagnostics.InvalidAnnotationExpressionException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ServerException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * A SpEL expression over a method's parameters, parsed and checked once when the bean is proxied: invalid syntax,
 * references to parameters the method does not have, positions past its last parameter and names that cannot be
 * resolved because the class was compiled without {@code -parameters} fail start-up with an {@link
 * InvalidAnnotationExpressionException}, instead of silently evaluating to null. Parameters are referred to by name
 * ({@code #orderId}) or by position ({@code #p0}, {@code #a0}), as in Spring Cache. Thread-safe.
 */
public final class MethodExpression {

    private static final SpelExpressionParser parser = new SpelExpressionParser();
    private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();
    private static final Pattern VARIABLE = Pattern.compile("#([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern POSITIONAL = Pattern.compile("[pa]\\d{1,9}");

    private final Expression expression;

    private MethodExpression(Expression expression) {
        this.expression = expression;
    }

    /**
     * Parses {@code source} for {@code method}.
     *
     * @param where names the annotation and method in error messages, e.g. {@code @Task on Foo.bar}
     * @param attribute the annotation attribute holding the expression
     * @throws InvalidAnnotationExpressionException naming {@code where} for invalid SpEL or unresolvable parameters
     */
    public static MethodExpression parse(Method method, String source, String where, String attribute) {
        @Nullable String @Nullable [] names = parameterNames.getParameterNames(method);
        List<String> known = new ArrayList<>();
        if (names != null) {
            for (@Nullable String name : names) {
                if (name != null) {
                    known.add(name);
                }
            }
        }
        Matcher matcher = VARIABLE.matcher(source);
        List<InvalidAnnotationExpressionException> problems = new ArrayList<>();
        while (matcher.find()) {
            String name = matcher.group(1);
            if (name.equals("root") || name.equals("this")) {
                continue;
            }
            if (POSITIONAL.matcher(name).matches()) {
                int position = Integer.parseInt(name.substring(1));
                if (position >= method.getParameterCount()) {
                    problems.add(InvalidAnnotationExpressionException.noSuchPosition(
                            where, attribute, source, name, method.getParameterCount()));
                }
                continue;
            }
            if (names == null && method.getParameterCount() > 0) {
                problems.add(InvalidAnnotationExpressionException.noParameterNames(where, attribute, source, name));
            } else if (!known.contains(name)) {
                problems.add(InvalidAnnotationExpressionException.unknownParameter(
                        where, attribute, source, name, List.copyOf(known)));
            }
        }
        try {
            Expression expression = parser.parseExpression(source);
            if (!problems.isEmpty()) {
                throw InvalidAnnotationExpressionException.all(problems); // every reference of the expression
            }
            return new MethodExpression(expression);
        } catch (ParseException e) {
            problems.add(InvalidAnnotationExpressionException.invalidSyntax(where, attribute, source, e));
            throw InvalidAnnotationExpressionException.all(problems);
        }
    }

    /** The expression's value for this invocation, as a string; empty for null. */
    public String evaluate(MethodInvocation invocation) {
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
                invocation.getThis(), invocation.getMethod(), invocation.getArguments(), parameterNames);
        Object value = expression.getValue(context);
        return value == null ? "" : value.toString();
    }

    /** Describes where an annotation sits, for error messages. */
    public static String where(String annotation, Method method) {
        return "@" + annotation + " on " + method.getDeclaringClass().getName() + "." + method.getName();
    }

    /** Calls {@code invocation.proceed()} as a task body: exceptions and errors as they are, other throwables wrapped. */
    public static @Nullable Object proceed(MethodInvocation invocation) throws Exception {
        try {
            return invocation.proceed();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new java.lang.reflect.UndeclaredThrowableException(t);
        }
    }

    /**
     * What an interceptor rethrows for a {@link ServerException} that came out of a Ballast template: the checked
     * exception inside it if {@code method} declares that exception (its callers expect it as it is), else the
     * wrapper itself.
     */
    public static Throwable unwrapDeclared(Method method, ServerException wrapped) {
        Throwable cause = wrapped.getCause();
        if (wrapped.errorCode() != CommonErrorCode.INTERNAL_ERROR || cause == null) {
            return wrapped;
        }
        for (Class<?> declared : method.getExceptionTypes()) {
            if (declared.isInstance(cause)) {
                return cause;
            }
        }
        return wrapped;
    }
}

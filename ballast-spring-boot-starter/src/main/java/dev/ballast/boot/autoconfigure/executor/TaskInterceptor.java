package dev.ballast.boot.autoconfigure.executor;

import dev.ballast.boot.Task;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.ServerException;
import dev.ballast.core.TaskContext;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/** Runs {@link Task} methods through {@link LogicExecutor#execute}. Thread-safe. */
final class TaskInterceptor implements MethodInterceptor {

    private static final Pattern VARIABLE = Pattern.compile("#([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern POSITIONAL = Pattern.compile("[pa]\\d+");

    private final ObjectProvider<LogicExecutor> executor;
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();
    private final Map<Method, Definition> definitions = new ConcurrentHashMap<>();

    TaskInterceptor(ObjectProvider<LogicExecutor> executor) {
        this.executor = executor;
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        Class<?> targetClass = invocation.getThis() == null
                ? method.getDeclaringClass()
                : AopUtils.getTargetClass(invocation.getThis());
        Definition definition = definition(AopUtils.getMostSpecificMethod(method, targetClass), targetClass);
        TaskContext context = definition.context(invocation);
        try {
            return executor.getObject().execute(context, () -> proceed(invocation));
        } catch (ServerException wrapped) {
            Throwable cause = wrapped.getCause();
            if (wrapped.errorCode() == CommonErrorCode.INTERNAL_ERROR && cause != null && isDeclared(method, cause)) {
                throw cause; // a checked exception the method declares: the caller expects it as it is
            }
            throw wrapped;
        }
    }

    void validate(Method method, Class<?> targetClass, Task task) {
        definitions.computeIfAbsent(method, m -> define(m, task));
    }

    private Definition definition(Method method, Class<?> targetClass) {
        return definitions.computeIfAbsent(method, m -> {
            Task task = AnnotatedElementUtils.findMergedAnnotation(m, Task.class);
            if (task == null) {
                throw new IllegalStateException("No @Task on " + m);
            }
            return define(m, task);
        });
    }

    private Definition define(Method method, Task task) {
        String where = "@Task on " + method.getDeclaringClass().getName() + "." + method.getName();
        try {
            TaskContext.of(task.domain(), task.task()); // validates both names now, at start-up
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
        if (task.id().isBlank()) {
            return new Definition(task.domain(), task.task(), null);
        }
        checkVariables(method, task.id(), where);
        try {
            return new Definition(task.domain(), task.task(), parser.parseExpression(task.id()));
        } catch (ParseException e) {
            throw new IllegalStateException(where + ": id '" + task.id() + "' is not valid SpEL: " + e.getMessage(), e);
        }
    }

    /** SpEL evaluates an unknown variable to null silently; refuse ids naming parameters the method lacks. */
    private void checkVariables(Method method, String expression, String where) {
        String[] names = parameterNames.getParameterNames(method);
        Matcher matcher = VARIABLE.matcher(expression);
        while (matcher.find()) {
            String name = matcher.group(1);
            if (name.equals("root")
                    || name.equals("this")
                    || POSITIONAL.matcher(name).matches()) {
                continue;
            }
            if (names == null || !List.of(names).contains(name)) {
                throw new IllegalStateException(where + ": id '" + expression + "' refers to #" + name
                        + ", which is not a parameter of the method (compile with -parameters, or use #p0)");
            }
        }
    }

    private @Nullable Object proceed(MethodInvocation invocation) throws Exception {
        try {
            return invocation.proceed();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UndeclaredThrowableException(t);
        }
    }

    private static boolean isDeclared(Method method, Throwable cause) {
        for (Class<?> declared : method.getExceptionTypes()) {
            if (declared.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private final class Definition {
        private final String domain;
        private final String task;
        private final @Nullable Expression id;

        Definition(String domain, String task, @Nullable Expression id) {
            this.domain = domain;
            this.task = task;
            this.id = id;
        }

        TaskContext context(MethodInvocation invocation) {
            if (id == null) {
                return TaskContext.of(domain, task);
            }
            MethodBasedEvaluationContext evaluation = new MethodBasedEvaluationContext(
                    invocation.getThis(), invocation.getMethod(), invocation.getArguments(), parameterNames);
            Object value = id.getValue(evaluation);
            return new TaskContext(domain, task, value == null ? "" : value.toString());
        }
    }
}

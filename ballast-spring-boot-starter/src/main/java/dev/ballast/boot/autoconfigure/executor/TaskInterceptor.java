package dev.ballast.boot.autoconfigure.executor;

import dev.ballast.boot.Task;
import dev.ballast.boot.internal.aop.MethodExpression;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.ServerException;
import dev.ballast.core.TaskContext;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;

/** Runs {@link Task} methods through {@link LogicExecutor#execute}. Thread-safe. */
final class TaskInterceptor implements MethodInterceptor {

    private final ObjectProvider<LogicExecutor> executor;
    private final Map<Method, Definition> definitions = new ConcurrentHashMap<>();

    TaskInterceptor(ObjectProvider<LogicExecutor> executor) {
        this.executor = executor;
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        Object target = invocation.getThis();
        Class<?> targetClass = target == null ? method.getDeclaringClass() : AopUtils.getTargetClass(target);
        Definition definition = definition(AopUtils.getMostSpecificMethod(method, targetClass));
        TaskContext context = definition.context(invocation);
        try {
            return executor.getObject().execute(context, () -> MethodExpression.proceed(invocation));
        } catch (ServerException wrapped) {
            throw MethodExpression.unwrapDeclared(method, wrapped);
        }
    }

    /** Parses and checks the annotation of {@code method}; called when the bean is proxied, so errors fail start-up. */
    void validate(Method method, Task task) {
        definitions.computeIfAbsent(method, m -> define(m, task));
    }

    private Definition definition(Method method) {
        return definitions.computeIfAbsent(method, m -> {
            Task task = AnnotatedElementUtils.findMergedAnnotation(m, Task.class);
            if (task == null) {
                throw new IllegalStateException("No @Task on " + m);
            }
            return define(m, task);
        });
    }

    private static Definition define(Method method, Task task) {
        String where = MethodExpression.where("Task", method);
        try {
            TaskContext.of(task.domain(), task.task()); // validates both names now, at start-up
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
        MethodExpression id = task.id().isBlank() ? null : MethodExpression.parse(method, task.id(), where, "id");
        return new Definition(task.domain(), task.task(), id);
    }

    private record Definition(
            String domain, String task, @Nullable MethodExpression id) {
        TaskContext context(MethodInvocation invocation) {
            return id == null ? TaskContext.of(domain, task) : new TaskContext(domain, task, id.evaluate(invocation));
        }
    }
}

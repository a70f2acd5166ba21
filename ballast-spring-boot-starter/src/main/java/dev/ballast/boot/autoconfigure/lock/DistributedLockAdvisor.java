package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.internal.aop.MethodExpression;
import dev.ballast.boot.internal.diagnostics.InvalidAnnotationExpressionException;
import dev.ballast.boot.internal.diagnostics.StartupProblems;
import dev.ballast.core.ServerException;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockStrategy;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Applies {@link DistributedLock}: inside {@code @Task} (order {@code LOWEST_PRECEDENCE - 1000}) and outside
 * {@code @Transactional} (lowest precedence), so the lock spans the whole transaction including its commit.
 */
final class DistributedLockAdvisor extends AbstractPointcutAdvisor implements MethodInterceptor {

    /** Order: after (inside) the task advisor, before (outside) transaction advice. */
    static final int ORDER = Ordered.LOWEST_PRECEDENCE - 500;

    private static final long serialVersionUID = 1L;

    private final transient ObjectProvider<LockStrategy> locks;
    private final transient ObjectProvider<StartupProblems> problems;
    private final transient Map<Method, Definition> definitions = new ConcurrentHashMap<>();
    private final transient Pointcut pointcut = new StaticMethodMatcherPointcut() {
        @Override
        public boolean matches(Method method, Class<?> targetClass) {
            DistributedLock lock = AnnotatedElementUtils.findMergedAnnotation(method, DistributedLock.class);
            if (lock == null) {
                return false;
            }
            try {
                definitions.computeIfAbsent(method, m -> define(m, lock));
            } catch (InvalidAnnotationExpressionException e) {
                // start-up fails once the singletons exist, with every bad expression; a call fails with this one
                StartupProblems collector = problems.getIfUnique();
                if (collector == null) {
                    throw e;
                }
                collector.defer(e);
            }
            return true; // other bad settings (durations) fail start-up here
        }
    };

    DistributedLockAdvisor(ObjectProvider<LockStrategy> locks, ObjectProvider<StartupProblems> problems) {
        this.locks = locks;
        this.problems = problems;
        setOrder(ORDER);
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return this;
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        Object target = invocation.getThis();
        Method specific = AopUtils.getMostSpecificMethod(
                method, target == null ? method.getDeclaringClass() : AopUtils.getTargetClass(target));
        Definition definition = definitions.computeIfAbsent(
                specific, m -> define(m, AnnotatedElementUtils.findMergedAnnotation(m, DistributedLock.class)));
        String key = definition.key.evaluate(invocation); // validated by the strategy
        try {
            return locks.getObject()
                    .executeWithLock(
                            key, definition.waitTime, definition.leaseTime, () -> MethodExpression.proceed(invocation));
        } catch (ServerException wrapped) {
            throw MethodExpression.unwrapDeclared(method, wrapped);
        }
    }

    private static Definition define(Method method, @Nullable DistributedLock lock) {
        String where = MethodExpression.where("DistributedLock", method);
        if (lock == null) {
            throw new IllegalStateException("No @DistributedLock on " + method);
        }
        MethodExpression key = MethodExpression.parse(method, lock.key(), where, "key");
        Duration wait = duration(where, "waitTime", lock.waitTime());
        Duration lease = duration(where, "leaseTime", lock.leaseTime());
        try {
            LockKeys.requireWait(wait);
            LockKeys.requireLease(lease);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
        return new Definition(key, wait, lease);
    }

    private static Duration duration(String where, String attribute, String value) {
        try {
            return DurationStyle.detectAndParse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    where + ": " + attribute + " '" + value + "' is not a duration (e.g. 500ms, 2s, PT2S)", e);
        }
    }

    private record Definition(MethodExpression key, Duration waitTime, Duration leaseTime) {}
}

package dev.ballast.boot.autoconfigure.executor;

import dev.ballast.boot.Task;
import dev.ballast.boot.internal.diagnostics.InvalidAnnotationExpressionException;
import dev.ballast.boot.internal.diagnostics.StartupProblems;
import dev.ballast.core.LogicExecutor;
import java.lang.reflect.Method;
import org.aopalliance.aop.Advice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Applies {@link TaskInterceptor} to methods annotated with {@link Task}. Its order puts it outside
 * {@code @Transactional} (whose advisor has the lowest precedence), so the task observes the commit.
 */
final class TaskAdvisor extends AbstractPointcutAdvisor {

    /** Order of the advisor: before (outside) transaction advice. */
    static final int ORDER = Ordered.LOWEST_PRECEDENCE - 1000;

    private static final long serialVersionUID = 1L;

    private final transient TaskInterceptor interceptor;
    private final transient Pointcut pointcut;

    TaskAdvisor(ObjectProvider<LogicExecutor> executor, ObjectProvider<StartupProblems> problems) {
        this.interceptor = new TaskInterceptor(executor);
        this.pointcut = new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                Task task = AnnotatedElementUtils.findMergedAnnotation(method, Task.class);
                if (task == null) {
                    return false;
                }
                try {
                    interceptor.validate(method, task);
                } catch (InvalidAnnotationExpressionException e) {
                    // start-up fails once the singletons exist, with every bad expression; a call fails with this one
                    StartupProblems collector = problems.getIfUnique();
                    if (collector == null) {
                        throw e;
                    }
                    collector.defer(e);
                }
                return true;
            }
        };
        setOrder(ORDER);
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return interceptor;
    }
}

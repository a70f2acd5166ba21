package dev.ballast.boot.internal.aop;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@code @Task} and {@code @DistributedLock} on methods a Spring proxy cannot intercept (private, final or
 * static methods) and says so once per method, naming it: a WARN, or with {@code ballast.aop.unproxyable=fail} a
 * start-up failure. Calls to an annotated method from its own class (self-invocation, which bypasses the proxy) are
 * found in the class file and reported with a WARN naming the method and its caller; see {@link SelfInvocations}.
 */
public final class UnproxyableMethods implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(UnproxyableMethods.class);
    private static final List<Class<? extends Annotation>> ANNOTATIONS = List.of(Task.class, DistributedLock.class);

    private final boolean fail;
    private final Set<Method> reported = ConcurrentHashMap.newKeySet();
    private final Set<Method> reportedSelfCalls = ConcurrentHashMap.newKeySet();

    public UnproxyableMethods(boolean fail) {
        this.fail = fail;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(bean);
        if (type.getName().startsWith("org.springframework.")) {
            return bean;
        }
        List<Method> proxied = new ArrayList<>();
        ReflectionUtils.doWithMethods(
                type,
                method -> {
                    if (check(beanName, method)) {
                        proxied.add(method);
                    }
                },
                method -> !method.isBridge());
        if (!proxied.isEmpty()) {
            SelfInvocations.in(type, proxied).forEach((method, caller) -> warnSelfInvocation(beanName, method, caller));
        }
        return bean;
    }

    /**
     * A call from the bean's own code goes to {@code this}, not through the proxy: always a WARN (never a failure, as the
     * bytecode check cannot tell {@code this.place()} from {@code other.place()} on another instance of the class).
     */
    private void warnSelfInvocation(String beanName, Method method, String caller) {
        if (!reportedSelfCalls.add(method)) {
            return;
        }
        String annotations = ANNOTATIONS.stream()
                .filter(method::isAnnotationPresent)
                .map(a -> "@" + a.getSimpleName())
                .collect(Collectors.joining(" and "));
        log.warn(
                "{} on {}.{} (bean '{}') does not apply when {} calls it: a call from the bean's own class goes to"
                        + " this, not through Spring's proxy. Call it through the bean (inject it where it is used, or"
                        + " ObjectProvider of the bean's type), or use LogicExecutor or LockStrategy directly there.",
                annotations,
                method.getDeclaringClass().getName(),
                method.getName(),
                beanName,
                caller);
    }

    /** Reports the method if it is annotated but cannot be proxied; true if it is annotated and can be. */
    private boolean check(String beanName, Method method) {
        boolean proxied = false;
        for (Class<? extends Annotation> annotation : ANNOTATIONS) {
            if (!method.isAnnotationPresent(annotation)) {
                continue;
            }
            String why = reason(method.getModifiers());
            if (why == null) {
                proxied = true;
                continue;
            }
            if (!reported.add(method)) {
                continue;
            }
            String message = "@" + annotation.getSimpleName() + " on "
                    + method.getDeclaringClass().getName() + "."
                    + method.getName() + " (bean '" + beanName + "') is ignored: the method is " + why
                    + ", so Spring's proxy cannot intercept it. Make it public and not final or static, and call it"
                    + " through the bean (a call from its own class bypasses the proxy too).";
            if (fail) {
                throw new IllegalStateException(message + " (ballast.aop.unproxyable=fail)");
            }
            log.warn(message);
        }
        return proxied;
    }

    private static @Nullable String reason(int modifiers) {
        if (Modifier.isPrivate(modifiers)) {
            return "private";
        }
        if (Modifier.isStatic(modifiers)) {
            return "static";
        }
        if (Modifier.isFinal(modifiers)) {
            return "final";
        }
        return null;
    }
}

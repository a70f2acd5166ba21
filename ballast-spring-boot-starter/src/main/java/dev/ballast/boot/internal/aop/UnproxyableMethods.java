package dev.ballast.boot.internal.aop;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@code @Task} and {@code @DistributedLock} on methods a Spring proxy cannot intercept (private, final or
 * static methods) and says so once per method, naming it: a WARN, or with {@code ballast.aop.unproxyable=fail} a
 * start-up failure. Self-invocation (calling the method from its own class) cannot be seen here; see the annotations'
 * Javadoc.
 */
public final class UnproxyableMethods implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(UnproxyableMethods.class);
    private static final List<Class<? extends Annotation>> ANNOTATIONS = List.of(Task.class, DistributedLock.class);

    private final boolean fail;
    private final Set<Method> reported = ConcurrentHashMap.newKeySet();

    public UnproxyableMethods(boolean fail) {
        this.fail = fail;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(bean);
        if (type.getName().startsWith("org.springframework.")) {
            return bean;
        }
        ReflectionUtils.doWithMethods(type, method -> check(beanName, method), method -> !method.isBridge());
        return bean;
    }

    private void check(String beanName, Method method) {
        for (Class<? extends Annotation> annotation : ANNOTATIONS) {
            if (!method.isAnnotationPresent(annotation)) {
                continue;
            }
            String why = reason(method.getModifiers());
            if (why == null || !reported.add(method)) {
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

package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.boot.internal.diagnostics.UnknownCacheValueTypeException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.AnnotationCacheOperationSource;
import org.springframework.cache.interceptor.CacheOperation;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.cache.interceptor.CachePutOperation;
import org.springframework.cache.interceptor.CacheableOperation;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Infers each Spring cache's value type once the singletons exist, so {@code @Cacheable("prices")} gets the Redis L2
 * without {@code ballast.cache.caches.prices.value-type}: the return types of the {@code @Cacheable} and
 * {@code @CachePut} methods of the application's beans (proxies unwrapped) that use the cache, {@code Optional<T>} counting
 * as {@code T}. When they agree on one concrete class, that class binds the cache's JSON codec. When they disagree, or
 * the type is {@code Object}, an interface, an abstract or a generic class, start-up fails with an {@link
 * UnknownCacheValueTypeException} naming every such cache, its methods and the property to set. A configured {@code
 * value-type} always wins and is not inferred; without Redis nothing is inferred (caches are L1-only anyway).
 *
 * <p>The same scan (with {@code @CacheEvict}) finds configured cache names that no annotation uses, Redis or not, and
 * warns once about them with the nearest used name when it is close: see {@link CacheNames}.
 */
final class CacheValueTypes implements SmartInitializingSingleton {

    private final ConfigurableListableBeanFactory beans;

    CacheValueTypes(ConfigurableListableBeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!(beans.getBeanProvider(CacheManager.class).getIfUnique() instanceof BallastCacheManager manager)) {
            return;
        }
        CacheOperationSource source =
                beans.getBeanProvider(CacheOperationSource.class).getIfUnique(AnnotationCacheOperationSource::new);
        Map<String, List<Use>> all = uses(source, managerNames());
        checkNames(manager, all);
        if (!manager.hasRedis()) {
            manager.useInferredTypes(Map.of());
            return;
        }
        Map<String, List<Use>> uses = new java.util.TreeMap<>();
        all.forEach((cache, methods) -> {
            List<Use> values = methods.stream().filter(Use::putsValues).toList();
            if (!values.isEmpty()) {
                uses.put(cache, values);
            }
        });
        Map<String, Class<?>> types = new LinkedHashMap<>();
        List<UnknownCacheValueTypeException.Problem> problems = new ArrayList<>();
        uses.forEach((cache, methods) -> {
            if (manager.configuredValueType(cache) != null) {
                return; // the configured type wins
            }
            Set<Class<?>> distinct = new LinkedHashSet<>();
            List<String> notConcrete = new ArrayList<>();
            for (Use use : methods) {
                Class<?> type = use.valueType();
                if (type == null || !concrete(type)) {
                    notConcrete.add(use.returnType());
                }
                distinct.add(type == null ? Object.class : type);
            }
            List<String> described = methods.stream().map(Use::describe).toList();
            if (!notConcrete.isEmpty()) {
                problems.add(new UnknownCacheValueTypeException.Problem(
                        cache,
                        "its method" + (methods.size() == 1 ? " returns " : "s return ")
                                + String.join(", ", notConcrete)
                                + ", not one concrete class JSON can bind to (not Object, an interface, an abstract"
                                + " or a generic class)",
                        described));
            } else if (distinct.size() > 1) {
                problems.add(new UnknownCacheValueTypeException.Problem(
                        cache, "its methods return different types", described));
            } else {
                types.put(cache, distinct.iterator().next());
            }
        });
        if (!problems.isEmpty()) {
            throw UnknownCacheValueTypeException.of(problems);
        }
        manager.useInferredTypes(types);
    }

    /**
     * Warns once about configured cache names no annotation uses, with the nearest used name when one is close (a
     * misspelling on either side); see {@link CacheNames}.
     */
    private static void checkNames(BallastCacheManager manager, Map<String, List<Use>> uses) {
        Map<String, List<String>> configured = manager.configuredProperties();
        Map<String, List<String>> used = new java.util.TreeMap<>();
        uses.forEach((cache, methods) ->
                used.put(cache, methods.stream().map(Use::where).distinct().toList()));
        List<String> problems = CacheNames.problems(configured, used);
        if (!problems.isEmpty()) {
            String nl = System.lineSeparator();
            org.slf4j.LoggerFactory.getLogger(CacheNames.LOGGER)
                    .warn(
                            "Cache settings that apply to no cache (a cache is matched by its exact name; see"
                                    + " docs/cache.md, \"Cache names are matched exactly\"; silence with logging.level.{}=error):{}",
                            CacheNames.LOGGER,
                            nl + "  - " + String.join(nl + "  - ", problems));
        }
    }

    /** The names a {@code cacheManager} attribute may use for this manager: its bean name(s) and aliases. */
    private Set<String> managerNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String name : beans.getBeanNamesForType(CacheManager.class, false, false)) {
            names.add(name);
            names.addAll(List.of(beans.getAliases(name)));
        }
        return names;
    }

    /**
     * Every {@code @Cacheable}/{@code @CachePut}/{@code @CacheEvict} method of the singletons, by cache name, in a stable
     * order; an operation naming another manager is left out, and an eviction or one with a custom resolver tells no
     * value type ({@link Use#putsValues} false).
     */
    private Map<String, List<Use>> uses(CacheOperationSource source, Set<String> managerNames) {
        Map<String, List<Use>> uses = new java.util.TreeMap<>();
        Set<Class<?>> seen = new LinkedHashSet<>();
        for (Class<?> target : beanClasses()) {
            if (!seen.add(target) || target.getName().startsWith("org.springframework.")) {
                continue;
            }
            for (Method method :
                    ReflectionUtils.getUniqueDeclaredMethods(target, ReflectionUtils.USER_DECLARED_METHODS)) {
                Collection<CacheOperation> operations = source.getCacheOperations(method, target);
                if (operations == null) {
                    continue;
                }
                for (CacheOperation operation : operations) {
                    if (!operation.getCacheManager().isEmpty() && !managerNames.contains(operation.getCacheManager())) {
                        continue; // another manager's cache
                    }
                    // names a custom resolver may map to other caches tell no value type
                    boolean putsValues =
                            (operation instanceof CacheableOperation || operation instanceof CachePutOperation)
                                    && operation.getCacheResolver().isEmpty();
                    for (String cache : operation.getCacheNames()) {
                        uses.computeIfAbsent(cache, c -> new ArrayList<>())
                                .add(new Use(target, method, annotation(operation), putsValues));
                    }
                }
            }
        }
        uses.values().forEach(list -> list.sort(java.util.Comparator.comparing(Use::describe)));
        return uses;
    }

    /**
     * The classes of the beans: of each singleton its target class (proxies unwrapped); of a bean not created yet (lazy)
     * its predicted type, without creating it.
     */
    private List<Class<?>> beanClasses() {
        List<Class<?>> classes = new ArrayList<>();
        Set<String> created = new LinkedHashSet<>(List.of(beans.getSingletonNames()));
        for (String name : created) {
            Object bean = beans.getSingleton(name);
            if (bean != null) {
                classes.add(ClassUtils.getUserClass(AopProxyUtils.ultimateTargetClass(bean)));
            }
        }
        for (String name : beans.getBeanDefinitionNames()) {
            if (created.contains(name) || beans.getBeanDefinition(name).isAbstract()) {
                continue;
            }
            try {
                Class<?> type = beans.getType(name, false);
                if (type != null) {
                    classes.add(ClassUtils.getUserClass(type));
                }
            } catch (RuntimeException e) {
                // a type that cannot be predicted without creating the bean: its caches are not inferred
            }
        }
        return classes;
    }

    /** A class JSON binds a value to: not Object, not an interface, not abstract, no type parameters to lose. */
    private static boolean concrete(Class<?> type) {
        if (type.isArray()) {
            return concrete(type.getComponentType());
        }
        return type != Object.class
                && type != Void.class
                && !type.isInterface()
                && !Modifier.isAbstract(type.getModifiers())
                && type.getTypeParameters().length == 0;
    }

    private static String annotation(CacheOperation operation) {
        return operation instanceof CacheableOperation
                ? "@Cacheable"
                : operation instanceof CachePutOperation ? "@CachePut" : "@CacheEvict";
    }

    /**
     * A method of a bean that uses a cache; {@code putsValues} when it puts values whose type binds the cache's codec.
     */
    private record Use(Class<?> target, Method method, String annotation, boolean putsValues) {

        /** {@code @Cacheable on com.example.Quotes.price}. */
        String where() {
            return annotation + " on " + target.getName() + "." + method.getName();
        }

        /** The cached value's class: the return type, {@code Optional<T>} as {@code T}, primitives boxed. */
        @Nullable
        Class<?> valueType() {
            ResolvableType type = ResolvableType.forMethodReturnType(method, target);
            if (type.resolve() == Optional.class) {
                type = type.getGeneric(0);
            }
            Class<?> resolved = type.resolve();
            return resolved == null || resolved == void.class ? null : ClassUtils.resolvePrimitiveIfNecessary(resolved);
        }

        String returnType() {
            return ResolvableType.forMethodReturnType(method, target).toString();
        }

        String describe() {
            return target.getName() + "." + method.getName() + " returns " + returnType();
        }
    }
}

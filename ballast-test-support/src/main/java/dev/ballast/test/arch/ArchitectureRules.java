package dev.ballast.test.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules that keep Ballast's layering and Spring Boot conventions true, as checks that fail the build. Each module
 * runs them over its own compiled classes ({@code target/classes}) with one small test calling {@link
 * #checkCompiledClasses()}; the rules hold for every module, so none needs its own list.
 *
 * <ul>
 *   <li>{@link #LAYERING}: core &larr; cache, lock, outbox, alert &larr; outbox-kafka, outbox-rabbitmq (on outbox)
 *       &larr; starter &larr; examples. A library module uses no sibling beyond these; nothing uses the test support,
 *       the benchmarks or the examples. The test kit (the published contract suites) uses the libraries whose
 *       contracts it holds.
 *   <li>{@link #INTERNAL_STAYS_INSIDE}: a package named {@code internal} is used only by its own module.
 *   <li>{@link #AUTO_CONFIGURATIONS_FINAL}: every {@code @AutoConfiguration} class is {@code final}.
 *   <li>{@link #REPLACEABLE_BEANS_BACK_OFF}: every {@code @Bean} method of an auto-configuration (or of a
 *       configuration class nested in one) carries {@code @ConditionalOnMissingBean}, by type, or by name for a
 *       contribution that is one of many (a listener, a policy, a customizer) so that a user's bean of that name replaces
 *       it, unless it is container infrastructure, declared {@code @Role(ROLE_INFRASTRUCTURE)} (post-processors and
 *       advisors, which Spring needs before user beans exist), or returns a non-public type (a helper nobody else can
 *       name, so nobody can replace it).
 *   <li>{@link #NO_PUBLIC_HELPERS_IN_AUTOCONFIGURE}: a public top-level type in an {@code autoconfigure} package is an
 *       auto-configuration, a {@code @ConfigurationProperties} type, the type of a property of one (an enum users write
 *       in their configuration), the type of a replaceable bean (users name it to replace it), or on a short list of
 *       types a framework instantiates by class name; other helpers are package-private or live in {@code internal}.
 * </ul>
 *
 * Not thread-safe; call from one test.
 */
public final class ArchitectureRules {

    private static final String AUTO_CONFIGURATION = "org.springframework.boot.autoconfigure.AutoConfiguration";
    private static final String CONFIGURATION = "org.springframework.context.annotation.Configuration";
    private static final String PROPERTIES = "org.springframework.boot.context.properties.ConfigurationProperties";
    private static final String BEAN = "org.springframework.context.annotation.Bean";
    private static final String MISSING_BEAN =
            "org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean";
    private static final String ROLE = "org.springframework.context.annotation.Role";
    private static final int ROLE_INFRASTRUCTURE = 2;

    /** Module of a package: the longest root that prefixes it. */
    private static final Map<String, String> ROOTS = Map.ofEntries(
            Map.entry("dev.ballast.core", "core"),
            Map.entry("dev.ballast.cache", "cache"),
            Map.entry("dev.ballast.lock", "lock"),
            Map.entry("dev.ballast.outbox", "outbox"),
            Map.entry("dev.ballast.outbox.kafka", "outbox-kafka"),
            Map.entry("dev.ballast.outbox.rabbitmq", "outbox-rabbitmq"),
            Map.entry("dev.ballast.alert", "alert"),
            Map.entry("dev.ballast.boot", "spring-boot-starter"),
            Map.entry("dev.ballast.test", "test-support"),
            Map.entry("dev.ballast.testkit", "test-kit"),
            Map.entry("dev.ballast.bench", "benchmarks"),
            Map.entry("dev.ballast.example", "examples"));

    private static final Set<String> LIBRARIES =
            Set.of("core", "cache", "lock", "outbox", "outbox-kafka", "outbox-rabbitmq", "alert");

    /** Which other modules a module's main code may use (the documented dependencies). */
    private static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("core", Set.of()),
            Map.entry("cache", Set.of("core")),
            Map.entry("lock", Set.of("core")),
            Map.entry("outbox", Set.of("core")),
            Map.entry("alert", Set.of("core")),
            Map.entry("outbox-kafka", Set.of("core", "outbox")),
            Map.entry("outbox-rabbitmq", Set.of("core", "outbox")),
            Map.entry("spring-boot-starter", LIBRARIES),
            Map.entry("examples", union(LIBRARIES, Set.of("spring-boot-starter"))),
            Map.entry("test-support", Set.of()),
            Map.entry("test-kit", Set.of("core", "lock", "cache", "outbox", "test-support")));

    public static final ArchRule LAYERING = classes()
            .should(new ArchCondition<JavaClass>("use only the Ballast modules their module depends on") {
                @Override
                public void check(JavaClass origin, ConditionEvents events) {
                    String from = moduleOf(origin.getPackageName());
                    Set<String> allowed = MAY_USE.getOrDefault(from, Set.of());
                    for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                        String to = moduleOf(dependency.getTargetClass().getPackageName());
                        if (to != null && !to.equals(from) && !allowed.contains(to)) {
                            events.add(SimpleConditionEvent.violated(
                                    dependency,
                                    "module " + from + " may not use module " + to + ": "
                                            + dependency.getDescription()));
                        }
                    }
                }
            })
            .allowEmptyShould(true);

    public static final ArchRule INTERNAL_STAYS_INSIDE = classes()
            .should(new ArchCondition<JavaClass>("use no other module's internal packages") {
                @Override
                public void check(JavaClass origin, ConditionEvents events) {
                    String from = moduleOf(origin.getPackageName());
                    for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                        String target = dependency.getTargetClass().getPackageName();
                        String to = moduleOf(target);
                        if (to != null && !to.equals(from) && isInternal(target)) {
                            events.add(SimpleConditionEvent.violated(
                                    dependency,
                                    "module " + from + " uses " + to + "'s internals: " + dependency.getDescription()));
                        }
                    }
                }
            })
            .allowEmptyShould(true);

    public static final ArchRule AUTO_CONFIGURATIONS_FINAL = classes()
            .that()
            .areAnnotatedWith(AUTO_CONFIGURATION)
            .should()
            .haveModifier(JavaModifier.FINAL)
            .allowEmptyShould(true);

    public static final ArchRule REPLACEABLE_BEANS_BACK_OFF = methods()
            .that()
            .areAnnotatedWith(BEAN)
            .and()
            .areDeclaredInClassesThat(new DescribedPredicate<JavaClass>("are auto-configurations or nested in one") {
                @Override
                public boolean test(JavaClass owner) {
                    return inAutoConfiguration(owner);
                }
            })
            .should(
                    new ArchCondition<JavaMethod>(
                            "carry @ConditionalOnMissingBean unless @Role(ROLE_INFRASTRUCTURE) or of a non-public type") {
                        @Override
                        public void check(JavaMethod method, ConditionEvents events) {
                            boolean backsOff = method.isAnnotatedWith(MISSING_BEAN);
                            boolean infrastructure = method.tryGetAnnotationOfType(ROLE)
                                    .flatMap(role -> role.get("value"))
                                    .filter(value -> value.equals(ROLE_INFRASTRUCTURE))
                                    .isPresent();
                            boolean helper =
                                    !method.getRawReturnType().getModifiers().contains(JavaModifier.PUBLIC);
                            if (!backsOff && !infrastructure && !helper) {
                                events.add(SimpleConditionEvent.violated(
                                        method,
                                        method.getFullName() + " returns the public type "
                                                + method.getRawReturnType().getName()
                                                + " without @ConditionalOnMissingBean: a user cannot replace it"));
                            }
                        }
                    })
            .allowEmptyShould(true);

    public static final ArchRule NO_PUBLIC_HELPERS_IN_AUTOCONFIGURE = classes()
            .that()
            .resideInAPackage("..autoconfigure..")
            .and()
            .areTopLevelClasses()
            .and()
            .arePublic()
            .should(
                    new ArchCondition<JavaClass>(
                            "be an auto-configuration, @ConfigurationProperties or a property's type") {
                        private final Set<String> propertyTypes = new HashSet<>();

                        private final Set<String> replaceableBeanTypes = new HashSet<>();

                        @Override
                        public void init(Collection<JavaClass> checked) {
                            Set<JavaClass> all =
                                    new HashSet<>(); // with the nested and package-private classes beside them
                            checked.forEach(type -> all.addAll(type.getPackage().getClasses()));
                            for (JavaClass each : all) {
                                if (outermost(each).isAnnotatedWith(PROPERTIES)) {
                                    for (JavaField field : each.getFields()) {
                                        propertyTypes.add(field.getRawType().getName());
                                    }
                                }
                                for (JavaMethod method : each.getMethods()) {
                                    if (method.isAnnotatedWith(BEAN) && method.isAnnotatedWith(MISSING_BEAN)) {
                                        replaceableBeanTypes.add(
                                                method.getRawReturnType().getName());
                                    }
                                }
                            }
                        }

                        @Override
                        public void check(JavaClass type, ConditionEvents events) {
                            if (!type.isAnnotatedWith(AUTO_CONFIGURATION)
                                    && !type.isAnnotatedWith(PROPERTIES)
                                    && !propertyTypes.contains(type.getName())
                                    && !replaceableBeanTypes.contains(type.getName())
                                    && !INSTANTIATED_BY_NAME.containsKey(type.getName())) {
                                events.add(SimpleConditionEvent.violated(
                                        type,
                                        type.getName() + " is a public helper in an autoconfigure package: make it"
                                                + " package-private or move it out"));
                            }
                        }
                    })
            .allowEmptyShould(true);

    /** Public helpers a framework instantiates by class name, with why; reviewed like code. */
    private static final Map<String, String> INSTANTIATED_BY_NAME = Map.of(
            "dev.ballast.boot.autoconfigure.web.ProblemErrorReportValve",
            "Tomcat creates the host's error report valve from its class name (public, no-argument constructor)");

    private static final List<ArchRule> ALL = List.of(
            LAYERING,
            INTERNAL_STAYS_INSIDE,
            AUTO_CONFIGURATIONS_FINAL,
            REPLACEABLE_BEANS_BACK_OFF,
            NO_PUBLIC_HELPERS_IN_AUTOCONFIGURE);

    private ArchitectureRules() {}

    /**
     * Checks every rule against the main classes of the module the test runs in ({@code target/classes} under the
     * working directory, which Surefire sets to the module); throws an {@link AssertionError} listing the violations.
     */
    public static void checkCompiledClasses() {
        Path classes = Path.of("target", "classes");
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException("No compiled classes at " + classes.toAbsolutePath());
        }
        check(new ClassFileImporter().importPath(classes));
    }

    /** Checks every rule against {@code classes}; throws an {@link AssertionError} listing the violations. */
    public static void check(JavaClasses classes) {
        List<String> failures = new ArrayList<>();
        for (ArchRule rule : ALL) {
            try {
                rule.check(classes);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    private static boolean inAutoConfiguration(JavaClass owner) {
        for (Optional<JavaClass> each = Optional.of(owner);
                each.isPresent();
                each = each.get().getEnclosingClass()) {
            if (each.get().isAnnotatedWith(AUTO_CONFIGURATION)) {
                return true;
            }
            if (!each.get().isAnnotatedWith(CONFIGURATION) && !each.get().equals(owner)) {
                return false;
            }
        }
        return false;
    }

    private static JavaClass outermost(JavaClass type) {
        JavaClass each = type;
        while (each.getEnclosingClass().isPresent()) {
            each = each.getEnclosingClass().get();
        }
        return each;
    }

    private static boolean isInternal(String packageName) {
        return packageName.endsWith(".internal") || packageName.contains(".internal.");
    }

    private static @Nullable String moduleOf(String packageName) {
        @Nullable String best = null;
        for (String root : ROOTS.keySet()) {
            if ((packageName.equals(root) || packageName.startsWith(root + "."))
                    && (best == null || root.length() > best.length())) {
                best = root;
            }
        }
        return best == null ? null : ROOTS.get(best);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}

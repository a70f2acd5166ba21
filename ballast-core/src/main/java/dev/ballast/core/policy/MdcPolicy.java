package dev.ballast.core.policy;

import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * Puts {@code domain}, {@code task} and the {@code id} (through {@link SensitiveDataMasker#maskId}) into the SLF4J MDC for the duration of the task, then
 * restores exactly what was there before, so nested tasks see their own values and the outer ones come back. Thread-safe.
 */
public final class MdcPolicy implements ExecutionPolicy {

    /** MDC key of {@link TaskContext#domain()}. */
    public static final String DOMAIN_KEY = "domain";
    /** MDC key of {@link TaskContext#task()}. */
    public static final String TASK_KEY = "task";
    /** MDC key of {@link TaskContext#id()}, as {@link SensitiveDataMasker#maskId} returns it. */
    public static final String ID_KEY = "id";

    private final SensitiveDataMasker masker;

    private MdcPolicy(SensitiveDataMasker masker) {
        this.masker = masker;
    }

    /** A policy that passes ids through {@code masker}'s {@link SensitiveDataMasker#maskId}. */
    public static MdcPolicy create(SensitiveDataMasker masker) {
        return new MdcPolicy(Objects.requireNonNull(masker, "masker"));
    }

    @Override
    public int order() {
        return MDC_ORDER;
    }

    @Override
    public void before(Execution execution) {
        TaskContext context = execution.context();
        String previousDomain = MDC.get(DOMAIN_KEY);
        String previousTask = MDC.get(TASK_KEY);
        String previousId = MDC.get(ID_KEY);
        if (previousDomain != null || previousTask != null || previousId != null) {
            execution.state(new String[] {previousDomain, previousTask, previousId}); // only nested calls pay
        }
        try {
            MDC.put(DOMAIN_KEY, context.domain());
            MDC.put(TASK_KEY, context.task());
            MDC.put(ID_KEY, masker.maskId(context.id()));
        } catch (Throwable partlyDone) { // after() will not run for a before() that threw: undo here
            after(execution);
            throw partlyDone;
        }
    }

    @Override
    public void after(Execution execution) {
        String[] previous = (String[]) execution.state();
        if (previous == null) {
            MDC.remove(DOMAIN_KEY);
            MDC.remove(TASK_KEY);
            MDC.remove(ID_KEY);
            return;
        }
        restore(DOMAIN_KEY, previous[0]);
        restore(TASK_KEY, previous[1]);
        restore(ID_KEY, previous[2]);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}

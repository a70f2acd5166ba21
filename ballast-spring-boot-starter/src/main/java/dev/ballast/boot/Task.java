package dev.ballast.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated Spring bean method through {@link dev.ballast.core.LogicExecutor#execute} with a {@link
 * dev.ballast.core.TaskContext} built from {@link #domain()}, {@link #task()} and the SpEL {@link #id()}:
 *
 * <pre>{@code
 * @Task(domain = "Order", task = "Place", id = "#command.accountId")
 * public Order place(PlaceOrder command) { ... }
 * }</pre>
 *
 * <p>Invalid names and ids that refer to unknown parameters fail at start-up, when the bean is proxied. Checked
 * exceptions that the method declares reach the caller unchanged (after being recorded); runtime exceptions propagate
 * as with {@code execute}. The interceptor runs outside {@code @Transactional} (lower order), so a failed commit is
 * recorded as the task's failure.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Task {

    /** Business domain: letters, digits, {@code ._-}, 1 to 64 characters. */
    String domain();

    /** Task name within the domain: letters, digits, {@code ._-}, 1 to 64 characters. */
    String task();

    /**
     * SpEL for the id, evaluated against the method arguments by name ({@code #orderId}, {@code #command.id}) or
     * position ({@code #p0}); empty for no id.
     */
    String id() default "";
}

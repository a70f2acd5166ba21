package dev.ballast.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated Spring bean method holding the {@link dev.ballast.lock.LockStrategy} lock on {@link #key()}:
 *
 * <pre>{@code
 * @DistributedLock(key = "'account:' + #accountId", waitTime = "2s", leaseTime = "30s")
 * @Transactional
 * public Account deposit(String accountId, BigDecimal amount) { ... }
 * }</pre>
 *
 * <p>The interceptor is ordered outside {@code @Transactional}: the lock is taken before the transaction begins and
 * released after it commits, so the next holder sees the committed data. It sits inside {@link Task}. Invalid SpEL,
 * unknown parameters and unparsable durations fail at start-up. A lease lost while the method ran is reported as
 * {@link dev.ballast.lock.LockLostException} after it; a busy lock as {@link
 * dev.ballast.lock.LockAcquisitionException}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface DistributedLock {

    /** SpEL over the method's parameters giving the lock key, e.g. {@code "'account:' + #accountId"}. */
    String key();

    /** How long to wait for the lock, in Spring Boot's duration format ({@code 500ms}, {@code 2s}, {@code PT2S}). */
    String waitTime() default "5s";

    /** Lease of the lock (renewed while the method runs), in Spring Boot's duration format; at least 100 ms. */
    String leaseTime() default "30s";
}

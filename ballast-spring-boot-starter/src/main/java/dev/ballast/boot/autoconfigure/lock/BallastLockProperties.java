package dev.ballast.boot.autoconfigure.lock;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auto-configured {@link dev.ballast.lock.LockStrategy}, under {@code ballast.lock}.
 *
 * @param backend which backend to use; AUTO picks JDBC when the application has a DataSource, else LOCAL
 * @param jdbc settings of the JDBC table backend
 */
@ConfigurationProperties("ballast.lock")
public record BallastLockProperties(
        @DefaultValue("AUTO") Backend backend, @DefaultValue Jdbc jdbc) {

    /** Lock backends the starter can configure on its own. */
    public enum Backend {
        /** JDBC if a DataSource exists, else LOCAL. */
        AUTO,
        /** The portable lock table on the application's DataSource. */
        JDBC,
        /** In-JVM locks: a single instance only. */
        LOCAL
    }

    /**
     * JDBC backend settings.
     *
     * @param tablePrefix prefix of the lock table's name ({@code <prefix>lock}); letters, digits and '_'
     * @param createTable whether to create the lock table at start-up if it is missing
     */
    public record Jdbc(
            @DefaultValue("ballast_") String tablePrefix,
            @DefaultValue("true") boolean createTable) {}
}

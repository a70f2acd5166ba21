package dev.ballast.core.sql;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A DataSource whose connections wait at most a network timeout for the database's answer ({@link
 * Connection#setNetworkTimeout}), for the work a Ballast module does on a database of its own accord (the outbox's relay
 * and housekeeping, the JDBC lock's acquisitions and renewals): such work never waits forever on a database that stopped
 * answering (a frozen primary, a network cut that drops packets) while new connections already reach a promoted
 * standby. JDBC drivers wait without end by default (pgjdbc's and MariaDB Connector/J's {@code socketTimeout} 0), and
 * a pool hands back a connection used a moment ago without checking it. When the timeout passes, the driver closes the
 * connection and the statement fails; a pool such as Hikari evicts it and restores its own setting on connections that
 * come back. A driver that does not support the setting (H2) is used as it is. Thread-safe.
 */
public final class NetworkTimeoutDataSource implements DataSource {

    private static final org.slf4j.Logger log = LoggerFactory.getLogger(NetworkTimeoutDataSource.class);

    /** The drivers do not use it (the timeout is a socket setting), but the method requires one. */
    private static final Executor DIRECT = Runnable::run;

    private final DataSource target;
    private final int timeoutMillis;
    private volatile boolean unsupported;

    /** Connections of {@code target} that wait at most {@code timeout}; zero: as {@code target} makes them. */
    public NetworkTimeoutDataSource(DataSource target, Duration timeout) {
        this.target = java.util.Objects.requireNonNull(target, "target");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("network timeout must not be negative, was " + timeout);
        }
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    @Override
    public Connection getConnection() throws SQLException {
        return bounded(target.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return bounded(target.getConnection(username, password));
    }

    private Connection bounded(Connection connection) throws SQLException {
        if (timeoutMillis == 0 || unsupported) {
            return connection;
        }
        try {
            connection.setNetworkTimeout(DIRECT, timeoutMillis);
        } catch (SQLFeatureNotSupportedException e) {
            unsupported = true;
            log.debug("The JDBC driver has no network timeout; its connections wait as the driver makes them", e);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(target) ? type.cast(target) : target.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(target) || target.isWrapperFor(type);
    }
}

package dev.ballast.lock.jdbc;

import dev.ballast.test.FaultProxy;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * A pool that hands each thread the connection it used last without checking it (as Hikari does within 500 ms of its
 * last use): through the proxy until {@code failedOver}, then straight to the server; a closed one is replaced.
 *
 * @param url the JDBC URL with {@code %d} where the port goes
 */
record ThreadStickyPool(
        String url, String user, FaultProxy proxy, AtomicBoolean failedOver, Map<Thread, Connection> used) {

    static ThreadStickyPool postgres(FaultProxy proxy, AtomicBoolean failedOver) {
        return new ThreadStickyPool("jdbc:postgresql://127.0.0.1:%d/test", "postgres", proxy, failedOver);
    }

    static ThreadStickyPool mariadb(FaultProxy proxy, AtomicBoolean failedOver) {
        return new ThreadStickyPool("jdbc:mariadb://127.0.0.1:%d/test", "root", proxy, failedOver);
    }

    ThreadStickyPool(String url, String user, FaultProxy proxy, AtomicBoolean failedOver) {
        this(url, user, proxy, failedOver, new ConcurrentHashMap<>());
    }

    /** The server's own port, which new connections reach once failed over. */
    int serverPort() {
        return url.startsWith("jdbc:postgresql") ? 5432 : 3306;
    }

    DataSource dataSource() {
        return (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (self, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        return borrow();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private Connection borrow() throws SQLException {
        Connection last = used.get(Thread.currentThread());
        if (last == null || last.isClosed()) {
            int port = failedOver.get() ? serverPort() : proxy.port();
            last = DriverManager.getConnection(url.formatted(port), user, "");
            used.put(Thread.currentThread(), last);
        }
        Connection physical = last;
        return (Connection) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {Connection.class}, (self, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null; // kept for this thread's next borrow
                    }
                    try {
                        return method.invoke(physical, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}

package dev.ballast.chaos;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants of the example's money paths, read from the cluster's database after the load stopped: every
 * acknowledged order stored, every order with its {@code OrderPlaced} event in the outbox and every such event with its
 * order, balances equal to the acknowledged deposits. Stateless.
 */
public final class OrderChecks {

    private OrderChecks() {}

    /**
     * As {@link #of}, for a database that could not serve for a while: every answer a success, a 503, or the 409
     * {@code LOCK_BUSY} a deposit gets after the example's 5 s lock wait (never a 500); every server error within
     * {@code fastFailure}, recovered within {@code recovery} of the fault's end; then {@code more}.
     */
    public static List<Checker> underDatabaseFault(
            BrokerageCluster cluster, Duration fastFailure, Duration recovery, Checker... more) throws SQLException {
        List<Checker> checkers = of(
                cluster,
                new AllowedStatuses(Set.of(200, 201, 409, 503)),
                new FastFailures(fastFailure),
                new BoundedRecovery(FaultWindow.END, recovery));
        checkers.addAll(List.of(more));
        return checkers;
    }

    /** The checkers for orders and deposits on {@code cluster}'s database as it is now, then {@code more}. */
    public static List<Checker> of(BrokerageCluster cluster, Checker... more) throws SQLException {
        List<Checker> checkers = new ArrayList<>(List.of(
                new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                new NoPartialWrites(Map.of(
                        "orders without their OrderPlaced event",
                        cluster.count("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS"
                                + " (SELECT 1 FROM ballast_outbox e WHERE e.event_id = o.event_id)"
                                + " AND NOT EXISTS (SELECT 1 FROM ballast_outbox_dlq d WHERE d.event_id = o.event_id)"),
                        "OrderPlaced events without their order",
                        cluster.count("SELECT COUNT(*) FROM ballast_outbox e WHERE e.event_type = 'OrderPlaced'"
                                + " AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.event_id = e.event_id)"))),
                new BalancesMatchDeposits(cluster.balances())));
        checkers.addAll(List.of(more));
        return checkers;
    }
}

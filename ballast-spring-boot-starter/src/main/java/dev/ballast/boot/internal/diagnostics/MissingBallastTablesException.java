package dev.ballast.boot.internal.diagnostics;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Ballast feature the application uses needs tables its database does not have (with the default
 * {@code schema.initialize=embedded} Ballast creates them only on an in-memory database). At start-up Spring Boot
 * reports it through Ballast's failure analyzer: the description names the tables, the database and why they are
 * needed; the action lists the properties that fix it.
 *
 * <p>Immutable and thread-safe.
 */
public final class MissingBallastTablesException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String description;
    private final String action;
    private final List<String> descriptions;
    private final List<String> actions;

    private MissingBallastTablesException(String description, String action) {
        this(description, action, List.of(description), List.of(action));
    }

    private MissingBallastTablesException(
            String description, String action, List<String> descriptions, List<String> actions) {
        super(description);
        this.description = description;
        this.action = action;
        this.descriptions = List.copyOf(descriptions);
        this.actions = List.copyOf(actions);
    }

    /**
     * The tables missing for several features (the lock backend and the outbox) as one report, so one start names
     * them all, each with its fixes. A single report is returned as it is.
     */
    public static MissingBallastTablesException all(List<MissingBallastTablesException> found) {
        if (found.size() == 1) {
            return found.getFirst();
        }
        Set<String> descriptions = new LinkedHashSet<>();
        Set<String> actions = new LinkedHashSet<>();
        for (MissingBallastTablesException each : found) {
            descriptions.addAll(each.descriptions);
            actions.addAll(each.actions);
        }
        if (descriptions.size() == 1) {
            return found.getFirst();
        }
        StringBuilder description = new StringBuilder("Ballast's tables are missing for ")
                .append(descriptions.size())
                .append(" features:");
        int number = 0;
        for (String each : descriptions) {
            description.append(NL).append(++number).append(". ").append(each);
        }
        StringBuilder action = new StringBuilder();
        number = 0;
        for (String each : actions) {
            action.append(number == 0 ? "" : NL + NL)
                    .append(++number)
                    .append(". ")
                    .append(each);
        }
        return new MissingBallastTablesException(
                description.toString(), action.toString(), List.copyOf(descriptions), List.copyOf(actions));
    }

    /**
     * The tables of the lock backend.
     *
     * @param tables the check that found them missing
     * @param backend why the tables are needed, e.g. {@code ballast.lock.backend=AUTO resolved to RESILIENT (Redis and a
     *     DataSource are present)}
     * @param tablePrefix {@code ballast.lock.jdbc.table-prefix}
     */
    public static MissingBallastTablesException lock(BallastTables tables, String backend, String tablePrefix) {
        String description = "Ballast's lock table(s) " + String.join(", ", tables.missing()) + " do not exist in the "
                + tables.database() + ". " + backend + ", which needs them. They were not created because"
                + " ballast.lock.jdbc.schema.initialize is not 'always' (the default 'embedded' creates them only on"
                + " an in-memory database).";
        String action = "Create the lock tables, or use locks without them. One of:" + NL
                + "  - let Ballast create them at start-up: ballast.lock.jdbc.schema.initialize=always" + NL
                + "  - or create them with your migrations: the script is " + tables.flywayLocation("lock")
                + "/V1__ballast_lock.sql (RESILIENT also needs V2__ballast_lock_mode_failures.sql there)"
                + prefixNote(tablePrefix) + "; copy them into your Flyway or Liquibase"
                + " migrations, or migrate that location with a Flyway history table of its own (added to"
                + " spring.flyway.locations as is, its V1 collides with your V1); then set"
                + " ballast.lock.jdbc.schema.initialize=never" + NL
                + "  - or keep locks in Redis only (needs spring.data.redis.host): ballast.lock.backend=REDIS" + NL
                + "  - or, if the application takes no distributed lock: ballast.lock.enabled=false" + NL
                + "See docs/lock.md, \"Tables on PostgreSQL or MariaDB\".";
        return new MissingBallastTablesException(description, action);
    }

    /**
     * The tables of the outbox, which the application uses (a bean injects it, or its relay is enabled).
     *
     * @param tables the check that found them missing
     * @param why why the outbox counts as used, e.g. {@code The application uses the outbox (bean 'tradeService')}
     * @param tablePrefix {@code ballast.outbox.table-prefix}
     */
    public static MissingBallastTablesException outbox(BallastTables tables, String why, String tablePrefix) {
        return new MissingBallastTablesException(outboxDescription(tables, why), outboxAction(tables, tablePrefix));
    }

    /** What is missing from where, for the outbox (also the health detail). */
    public static String outboxDescription(BallastTables tables, String why) {
        return "Ballast's outbox table(s) " + String.join(", ", tables.missing()) + " do not exist in the "
                + tables.database() + ". " + why + ". They were not created because"
                + " ballast.outbox.schema.initialize is not 'always' (the default 'embedded' creates them only on an"
                + " in-memory database).";
    }

    /** The properties that fix missing outbox tables (also the health detail). */
    public static String outboxAction(BallastTables tables, String tablePrefix) {
        return "Create the outbox tables. One of:" + NL
                + "  - let Ballast create them at start-up: ballast.outbox.schema.initialize=always" + NL
                + "  - or create them with your migrations: the scripts are " + tables.flywayLocation("outbox")
                + "/V1__ballast_outbox.sql, V2__ballast_outbox_request.sql and V3__ballast_outbox_control.sql"
                + prefixNote(tablePrefix)
                + "; copy them into your Flyway or Liquibase migrations, or migrate that location with a Flyway"
                + " history table of its own (added to spring.flyway.locations as is, its V1 collides with your V1);"
                + " then set ballast.outbox.schema.initialize=never" + NL
                + "  - or, if the application does not use the outbox: ballast.outbox.enabled=false" + NL
                + "See docs/outbox.md, \"Tables on PostgreSQL or MariaDB\".";
    }

    /**
     * The table of the shared alert dedup ledger ({@code ballast.alert.fatigue.shared-dedup=true}).
     *
     * @param tables the check that found it missing
     */
    public static MissingBallastTablesException alert(BallastTables tables) {
        String description = "Ballast's alert table(s) " + String.join(", ", tables.missing()) + " do not exist in the "
                + tables.database() + ". ballast.alert.fatigue.shared-dedup=true, which needs it (the instances"
                + " deduplicate alerts through it). It was not created because ballast.alert.schema.initialize is not"
                + " 'always' (the default 'embedded' creates it only on an in-memory database).";
        String action = "Create the alert dedup table, or deduplicate per instance. One of:" + NL
                + "  - let Ballast create it at start-up: ballast.alert.schema.initialize=always" + NL
                + "  - or create it with your migrations: the script is " + tables.flywayLocation("alert")
                + "/V1__ballast_alert_dedup.sql; copy it into your Flyway or Liquibase migrations, or migrate that"
                + " location with a Flyway history table of its own (added to spring.flyway.locations as is, its V1"
                + " collides with your V1); then set ballast.alert.schema.initialize=never" + NL
                + "  - or let each instance deduplicate only its own alerts: ballast.alert.fatigue.shared-dedup=false"
                + NL + "See docs/alerting.md, \"Against alert fatigue\" (Across instances).";
        return new MissingBallastTablesException(description, action);
    }

    private static final String NL = System.lineSeparator();

    private static String prefixNote(String tablePrefix) {
        return tablePrefix.equals("ballast_")
                ? ""
                : " (it names the tables with the default prefix ballast_: replace it with your prefix " + tablePrefix
                        + ")";
    }

    /** Boot's "Description". */
    public String description() {
        return description;
    }

    /** Boot's "Action". */
    public String action() {
        return action;
    }
}

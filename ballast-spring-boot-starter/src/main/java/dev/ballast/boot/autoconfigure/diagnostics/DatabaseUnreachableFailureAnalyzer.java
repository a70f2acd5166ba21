package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.boot.internal.UrlSecrets;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports a start-up that failed because the application's database did not let it in, in Spring Boot's "Description /
 * Action" form instead of a stack trace through Flyway or a Ballast table check: the database does not answer
 * (SQLSTATE class {@code 08}, or a refused or unknown host under a JDBC error), it refused the credentials (class
 * {@code 28}), the database named in the URL does not exist (PostgreSQL {@code 3D000}, MariaDB/MySQL error 1049), or
 * the driver could not use the URL at all (no driver accepts it, a port that is not a number, a password in user info
 * that MariaDB reads as the port; from DriverManager, the driver, HikariCP's "claims to not accept jdbcUrl", or {@link
 * DatasourceUrlCheck} before any of them). The description names the driver's own words and {@code spring.datasource.url}
 * with where it was set; a password of the URL (user info or a {@code password=} parameter) is masked in both, and the
 * password property is never read. Registered in
 * {@code META-INF/spring.factories}.
 */
final class DatabaseUnreachableFailureAnalyzer implements FailureAnalyzer, Ordered {

    /**
     * A driver that could not use the URL at all (PostgreSQL "Unable to parse URL", SQLSTATE 99999; MariaDB "Incorrect
     * port value", no SQLSTATE): its message may quote the URL or a part of it, password included.
     */
    private static final Pattern UNUSABLE_URL = Pattern.compile(
            "parse (the )?url|invalid (connection )?url|incorrect port|invalid port|port number|url format",
            Pattern.CASE_INSENSITIVE);

    /** MariaDB and MySQL: unknown database, SQLSTATE 42000 (too broad to match on its own). */
    private static final int MYSQL_UNKNOWN_DATABASE = 1049;

    private static final int MAX_MESSAGE = 300;

    private final Environment environment;

    DatabaseUnreachableFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        Finding finding = find(failure);
        if (finding == null) {
            return null;
        }
        String nl = System.lineSeparator();
        ConfigurationProperty url = InvalidBallastPropertyFailureAnalyzer.written(environment, "spring.datasource.url");
        String written =
                url == null || url.getValue() == null ? null : url.getValue().toString();
        StringBuilder description = new StringBuilder()
                .append(finding.kind.headline)
                .append(": ")
                .append(withoutSecrets(firstLine(finding.error.getMessage()), written));
        String state = finding.sqlState();
        if (state != null) {
            description.append(" (SQLSTATE ").append(state).append(')');
        }
        if (url != null && written != null) {
            description.append(nl).append(nl).append("spring.datasource.url = ").append(masked(written));
            if (url.getOrigin() != null) {
                description.append(" (from ").append(url.getOrigin()).append(')');
            }
        }
        description
                .append(nl)
                .append(nl)
                .append("The schema migrations and Ballast's database-backed parts (outbox, JDBC locks, their table"
                        + " checks) run at start-up, so the service does not start without its database.");
        String action = finding.kind == Kind.CREDENTIALS && written != null && carriesCredentials(written)
                ? CREDENTIALS_IN_URL
                : finding.kind.action;
        return new FailureAnalysis(description.toString(), action, failure);
    }

    /**
     * The action when the refused credentials may be the URL's own: a driver reads a user or password written in the
     * URL (PostgreSQL's gives its {@code user=} and {@code password=} precedence over the pool's), so checking only the
     * two properties would miss them.
     */
    static final String CREDENTIALS_IN_URL = "spring.datasource.url (SPRING_DATASOURCE_URL) sets a user or password"
            + " of its own, which the driver may use instead of spring.datasource.username and"
            + " spring.datasource.password: check the ones in the URL against the database's users and their grants, or"
            + " better, take them out of the URL and set spring.datasource.username and spring.datasource.password"
            + " (SPRING_DATASOURCE_USERNAME, SPRING_DATASOURCE_PASSWORD); the password is not shown here.";

    /** Whether the URL names a user or a password itself: user information or a user or password parameter. */
    static boolean carriesCredentials(String url) {
        return UrlSecrets.USER_INFO.matcher(url).find()
                || UrlSecrets.PASSWORD_PARAMETER.matcher(url).find()
                || USER_PARAMETER.matcher(url).find();
    }

    /** A {@code user=} or {@code username=} parameter in a query string or property list. */
    private static final Pattern USER_PARAMETER = Pattern.compile("[?&;,](?:user|username)=", Pattern.CASE_INSENSITIVE);

    /** The JDBC error that says why, or null when the failure is not about reaching the database. */
    static @Nullable Finding find(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        SQLException sql = null;
        for (Throwable t = failure; t != null && seen.add(t) && seen.size() < 64; t = t.getCause()) {
            if (t instanceof UnusableDatasourceUrlException || poolRefusedUrl(t)) {
                return new Finding(Kind.UNUSABLE_URL, t);
            }
            if (t instanceof SQLException e) {
                Kind kind = unusableUrl(e) ? Kind.UNUSABLE_URL : kind(e);
                if (kind != null) {
                    return new Finding(kind, e);
                }
                sql = sql == null ? e : sql;
            } else if (sql != null
                    && (t instanceof ConnectException
                            || t instanceof UnknownHostException
                            || t instanceof NoRouteToHostException)) {
                return new Finding(Kind.NO_ANSWER, sql);
            }
        }
        return null;
    }

    private static @Nullable Kind kind(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return null;
        }
        if (state.startsWith("08")) {
            return Kind.NO_ANSWER;
        }
        if (state.startsWith("28")) {
            return Kind.CREDENTIALS;
        }
        if (state.equals("3D000") || (state.equals("42000") && e.getErrorCode() == MYSQL_UNKNOWN_DATABASE)) {
            return Kind.NO_DATABASE;
        }
        return null;
    }

    /**
     * HikariCP, before any connection: the driver named by {@code spring.datasource.driver-class-name} (Boot derives
     * it from the URL's prefix) says it does not accept the URL, e.g. a port that is not a number. A plain
     * RuntimeException with no SQLException under it; Hikari masks {@code password=} in it but not user info.
     */
    private static boolean poolRefusedUrl(Throwable t) {
        String message = t.getMessage();
        return t.getClass() == RuntimeException.class
                && message != null
                && message.contains("claims to not accept jdbcUrl");
    }

    private static boolean unusableUrl(SQLException e) {
        String state = e.getSQLState();
        String message = e.getMessage();
        if (message == null) {
            return false;
        }
        return message.startsWith("No suitable driver") // DriverManager: no driver accepts the URL (SQLSTATE 08001)
                || ((state == null || state.equals("99999"))
                        && UNUSABLE_URL.matcher(message).find());
    }

    /**
     * {@code message} with every password the written URL holds (user info, {@code password=}) replaced, wherever the
     * driver quoted it, and any URL in it masked.
     */
    static String withoutSecrets(String message, @Nullable String url) {
        String cleaned = message;
        if (url != null) {
            for (Pattern secret : List.of(UrlSecrets.USER_INFO, UrlSecrets.PASSWORD_PARAMETER)) {
                Matcher matcher = secret.matcher(url);
                while (matcher.find()) {
                    if (!matcher.group(2).isEmpty()) {
                        cleaned = cleaned.replace(matcher.group(2), "******");
                    }
                }
            }
        }
        return masked(cleaned);
    }

    /** A JDBC URL with any password in it replaced by {@code ******}. */
    static String masked(String url) {
        return UrlSecrets.mask(url);
    }

    private static String firstLine(@Nullable String message) {
        if (message == null || message.isBlank()) {
            return "(the driver gave no message)";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "…" : line;
    }

    /** What went wrong, and the error whose message says it (a JDBC error, or the pool's when it had none). */
    record Finding(Kind kind, Throwable error) {

        @Nullable
        String sqlState() {
            return error instanceof SQLException e ? e.getSQLState() : null;
        }
    }

    enum Kind {
        NO_ANSWER(
                "The database did not answer at start-up",
                "Start the database, or set spring.datasource.url (SPRING_DATASOURCE_URL) to one that answers. The"
                        + " service exits rather than run without it; start it again (or let its supervisor, e.g."
                        + " systemd Restart=on-failure or a Kubernetes Deployment, do so) once the database answers."),
        CREDENTIALS(
                "The database refused the credentials at start-up",
                "Check spring.datasource.username and spring.datasource.password (SPRING_DATASOURCE_USERNAME,"
                        + " SPRING_DATASOURCE_PASSWORD) against the database's users and their grants; the password is"
                        + " not shown here."),
        UNUSABLE_URL(
                "The database driver could not use spring.datasource.url",
                "Correct spring.datasource.url (SPRING_DATASOURCE_URL): jdbc:<driver>://<host>:<port>/<database>, with"
                        + " the user and password in spring.datasource.username and spring.datasource.password"
                        + " rather than in the URL (not every driver reads them from it)."),
        NO_DATABASE(
                "The database named in spring.datasource.url does not exist",
                "Create it (CREATE DATABASE <name>), or correct the database name in spring.datasource.url"
                        + " (SPRING_DATASOURCE_URL).");

        final String headline;
        final String action;

        Kind(String headline, String action) {
            this.headline = headline;
            this.action = action;
        }
    }
}

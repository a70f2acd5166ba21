package dev.ballast.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** An own PostgreSQL cluster: a committed row survives SIGKILL of every process and the crash recovery after it. */
class PostgresServerIT {

    @Test
    void committedRowSurvivesKillAndRestartWhileTheServerIsUnreachableInBetween() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            server.createDatabase("chaos");
            server.execute("chaos", "CREATE TABLE t (id int PRIMARY KEY)");
            server.execute("chaos", "INSERT INTO t VALUES (1)");

            server.kill();
            assertThatThrownBy(() -> server.connect("chaos").close()).isInstanceOf(SQLException.class);

            server.restart();
            try (Connection connection = server.connect("chaos");
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM t")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
        }
    }
}

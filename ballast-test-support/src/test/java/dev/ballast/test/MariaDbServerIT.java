package dev.ballast.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** An own MariaDB server: a committed row survives SIGKILL and the InnoDB crash recovery after it. */
class MariaDbServerIT {

    @Test
    void committedRowSurvivesKillAndRestartWhileTheServerIsUnreachableInBetween() throws Exception {
        try (MariaDbServer server = MariaDbServer.start()) {
            server.createDatabase("chaos");
            try (Connection connection = server.connect("chaos");
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
                statement.execute("INSERT INTO t VALUES (1)");
            }

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

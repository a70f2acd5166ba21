package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 item 1: Ballast's tables follow spring.sql.init.mode's convention (embedded | always | never). */
class SchemaInitializationTest {

    private static final String[] ALL_TABLES = {
        "ballast_lock",
        "ballast_lock_mode", // the lock's V1 script creates both tables, as Flyway does
        "ballast_outbox",
        "ballast_outbox_aggregate",
        "ballast_outbox_dlq",
        "ballast_outbox_request",
        "ballast_outbox_control"
    };

    @TempDir
    Path directory;

    @Test
    void anInMemoryDatabaseGetsTheOutboxAndLockTablesByDefault() {
        Apps.runner()
                .withPropertyValues("spring.datasource.url=" + Apps.inMemoryH2())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                            .containsExactlyInAnyOrder(ALL_TABLES);
                });
    }

    @Test
    void aDatabaseThatIsNotInMemoryGetsNoTableByDefault() {
        Apps.runner()
                .withPropertyValues("spring.datasource.url=" + fileDatabase())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                            .isEmpty();
                });
    }

    @Test
    void alwaysCreatesTheTablesOnAnyDatabase() {
        Apps.runner()
                .withPropertyValues(
                        "spring.datasource.url=" + fileDatabase(),
                        "ballast.outbox.schema.initialize=always",
                        "ballast.lock.jdbc.schema.initialize=always")
                .run(context -> assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                        .containsExactlyInAnyOrder(ALL_TABLES));
    }

    @Test
    void neverCreatesNoTableEvenInMemory() {
        Apps.runner()
                .withPropertyValues(
                        "spring.datasource.url=" + Apps.inMemoryH2(),
                        "ballast.outbox.schema.initialize=never",
                        "ballast.lock.jdbc.schema.initialize=never")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                            .isEmpty();
                });
    }

    @Test
    void eachModuleDecidesForItsOwnTables() {
        Apps.runner()
                .withPropertyValues(
                        "spring.datasource.url=" + fileDatabase(), "ballast.lock.jdbc.schema.initialize=always")
                .run(context -> assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                        .containsExactlyInAnyOrder("ballast_lock", "ballast_lock_mode"));
    }

    private String fileDatabase() {
        return "jdbc:h2:file:" + directory.resolve("app").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
    }
}

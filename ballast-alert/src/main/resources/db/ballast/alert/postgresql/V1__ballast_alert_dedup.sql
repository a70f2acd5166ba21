-- Ballast alerting, PostgreSQL. Table names use the default prefix "ballast_". The table
-- ballast.alert.schema.initialize=always creates at start-up: run this script (e.g. with Flyway) and set it to never.
-- The shared dedup ledger (JdbcDedupLedger, ballast.alert.fatigue.shared-dedup): one row per <severity>|<fingerprint>,
-- the instance holding the claim, when it claimed (epoch ms) and the repeats every instance counted since.
CREATE TABLE IF NOT EXISTS ballast_alert_dedup (
  dedup_key    VARCHAR(500)  NOT NULL PRIMARY KEY,
  fingerprint  VARCHAR(500)  NOT NULL,
  owner        VARCHAR(64)   NOT NULL,
  claimed_at   BIGINT        NOT NULL,
  repeats      BIGINT        NOT NULL
);

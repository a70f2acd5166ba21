-- Ballast outbox relay control, MySQL 8 and MariaDB 10.6+. Table names use the default prefix "ballast_".
-- One row per switch every relay on these tables reads (name 'relay': paused by an operator, for all instances at once).
CREATE TABLE IF NOT EXISTS ballast_outbox_control (
  name            VARCHAR(64)   NOT NULL PRIMARY KEY,
  paused          BOOLEAN       NOT NULL,
  changed_by      VARCHAR(200)  NOT NULL,
  changed_at      DATETIME(6)   NOT NULL
);

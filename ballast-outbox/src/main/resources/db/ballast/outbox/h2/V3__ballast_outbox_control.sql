-- Ballast outbox relay control, H2 2.x. Table names use the default prefix "ballast_".
-- One row per switch every relay on these tables reads (name 'relay': paused by an operator, for all instances at once).
CREATE TABLE IF NOT EXISTS ballast_outbox_control (
  name            VARCHAR(64)   NOT NULL PRIMARY KEY,
  paused          BOOLEAN       NOT NULL,
  changed_by      VARCHAR(200)  NOT NULL,
  changed_at      TIMESTAMP(6)  NOT NULL
);

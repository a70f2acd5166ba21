-- Ballast idempotent commands (Outbox.executeOnce), PostgreSQL. Table names use the default prefix "ballast_".
-- One row per request id, written in the caller's transaction before its business writes; outcome is what a repeat gets.
CREATE TABLE IF NOT EXISTS ballast_outbox_request (
  request_id      VARCHAR(200)  NOT NULL PRIMARY KEY,
  request_hash    CHAR(64)      NOT NULL,
  outcome         TEXT,
  created_at      TIMESTAMP(6)  NOT NULL
);
CREATE INDEX IF NOT EXISTS ballast_outbox_request_created ON ballast_outbox_request (created_at);

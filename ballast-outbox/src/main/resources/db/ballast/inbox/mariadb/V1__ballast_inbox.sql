-- Ballast inbox (idempotent consumers), mariadb. Table names use the default prefix "ballast_".
-- One row per consumed event and consumer, written in the handler's transaction.
CREATE TABLE IF NOT EXISTS ballast_inbox (
  consumer        VARCHAR(100)  NOT NULL,
  event_id        VARCHAR(64)   NOT NULL,
  aggregate_type  VARCHAR(100)  NOT NULL,
  aggregate_id    VARCHAR(200)  NOT NULL,
  aggregate_seq   BIGINT        NOT NULL,
  event_type      VARCHAR(200)  NOT NULL,
  received_at     DATETIME(6)   NOT NULL,
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS ballast_inbox_received ON ballast_inbox (received_at);
-- The highest sequence number seen per aggregate and consumer: a gap is reported.
CREATE TABLE IF NOT EXISTS ballast_inbox_aggregate (
  consumer        VARCHAR(100)  NOT NULL,
  aggregate_type  VARCHAR(100)  NOT NULL,
  aggregate_id    VARCHAR(200)  NOT NULL,
  last_seq        BIGINT        NOT NULL,
  PRIMARY KEY (consumer, aggregate_type, aggregate_id)
);
-- Messages the handler never saw: failed integrity check or unreadable Ballast headers.
CREATE TABLE IF NOT EXISTS ballast_inbox_dlq (
  id              BIGINT AUTO_INCREMENT PRIMARY KEY,
  consumer        VARCHAR(100)  NOT NULL,
  event_id        VARCHAR(64),
  reason          VARCHAR(32)   NOT NULL,
  detail          VARCHAR(1000) NOT NULL,
  headers         LONGTEXT       NOT NULL,
  payload         LONGBLOB       NOT NULL,
  received_at     DATETIME(6)   NOT NULL
);

-- Ballast transactional outbox, MySQL 8 and MariaDB 10.6+. Table names use the default prefix "ballast_".
CREATE TABLE IF NOT EXISTS ballast_outbox (
  id              BIGINT AUTO_INCREMENT PRIMARY KEY,
  event_id        CHAR(36)      NOT NULL UNIQUE,
  request_id      VARCHAR(200)  NOT NULL UNIQUE,
  request_hash    CHAR(64)      NOT NULL,
  aggregate_type  VARCHAR(100)  NOT NULL,
  aggregate_id    VARCHAR(200)  NOT NULL,
  aggregate_seq   BIGINT        NOT NULL,
  event_type      VARCHAR(200)  NOT NULL,
  payload         LONGBLOB      NOT NULL,
  headers         LONGTEXT      NOT NULL,
  content_hash    CHAR(64)      NOT NULL,
  key_version     INT,
  created_at      DATETIME(6)   NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  attempts        INT           NOT NULL,
  published_at    DATETIME(6) ,
  last_error      VARCHAR(1000),
  attempt_log     LONGTEXT,
  CONSTRAINT ballast_outbox_aggregate_seq UNIQUE (aggregate_type, aggregate_id, aggregate_seq)
);
CREATE INDEX IF NOT EXISTS ballast_outbox_pending ON ballast_outbox (aggregate_type, aggregate_id, status, aggregate_seq);
CREATE INDEX IF NOT EXISTS ballast_outbox_published ON ballast_outbox (status, published_at);
CREATE TABLE IF NOT EXISTS ballast_outbox_aggregate (
  aggregate_type  VARCHAR(100)  NOT NULL,
  aggregate_id    VARCHAR(200)  NOT NULL,
  last_seq        BIGINT        NOT NULL,
  pending         INT           NOT NULL,
  next_attempt_at DATETIME(6)   NOT NULL,
  lease_owner     VARCHAR(100),
  lease_until     DATETIME(6) ,
  blocked_by      CHAR(36),
  claimed_to_seq  BIGINT        NOT NULL DEFAULT 0,
  PRIMARY KEY (aggregate_type, aggregate_id)
);
-- next_attempt_at alone: an aggregate with nothing pending is parked at 9999-12-31, and an append to one with
-- pending events leaves the indexed column alone, so its row is updated in place
CREATE INDEX IF NOT EXISTS ballast_outbox_aggregate_ready ON ballast_outbox_aggregate (next_attempt_at);
CREATE TABLE IF NOT EXISTS ballast_outbox_dlq (
  event_id        CHAR(36)      NOT NULL PRIMARY KEY,
  request_id      VARCHAR(200)  NOT NULL,
  aggregate_type  VARCHAR(100)  NOT NULL,
  aggregate_id    VARCHAR(200)  NOT NULL,
  aggregate_seq   BIGINT        NOT NULL,
  event_type      VARCHAR(200)  NOT NULL,
  payload         LONGBLOB      NOT NULL,
  headers         LONGTEXT      NOT NULL,
  content_hash    CHAR(64)      NOT NULL,
  key_version     INT,
  created_at      DATETIME(6)   NOT NULL,
  reason          VARCHAR(32)   NOT NULL,
  error_class     VARCHAR(300),
  error_message   VARCHAR(1000),
  attempts        INT           NOT NULL,
  attempt_history LONGTEXT      NOT NULL,
  dead_at         DATETIME(6)   NOT NULL,
  state           VARCHAR(16)   NOT NULL,
  resolved_by     VARCHAR(100),
  resolved_at     DATETIME(6) ,
  resolution_note VARCHAR(1000)
);
CREATE INDEX IF NOT EXISTS ballast_outbox_dlq_state ON ballast_outbox_dlq (state, dead_at);

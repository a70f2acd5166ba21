-- Ballast locks, PostgreSQL. Table names use the default prefix "ballast_". The same tables
-- ballast.lock.jdbc.create-table creates at start-up: run this script (e.g. with Flyway) and set it to false.
-- JDBC table backend (JdbcLockStrategies), also the fallback of the resilient chain
CREATE TABLE IF NOT EXISTS ballast_lock (
  lock_key    VARCHAR(255)  NOT NULL PRIMARY KEY,
  owner       VARCHAR(64),
  expires_at  TIMESTAMP(3)   NOT NULL,
  fence       BIGINT        NOT NULL
);
-- the resilient chain's shared mode row (ResilientLockStrategy)
CREATE TABLE IF NOT EXISTS ballast_lock_mode (
  id            INT           NOT NULL PRIMARY KEY,
  mode          VARCHAR(8)    NOT NULL,
  epoch         BIGINT        NOT NULL,
  effective_at  BIGINT        NOT NULL,
  changed_by    VARCHAR(128)
);

-- The brokerage's own tables. Ballast's tables (outbox, locks) come from the scripts the Ballast jars ship, migrated
-- first with their own history tables (see BallastMigrations). Add a change as the next V<n>__*.sql in each of
-- db/migration/{h2,postgresql,mariadb}.
CREATE TABLE account (
  account_id  VARCHAR(16)     NOT NULL PRIMARY KEY,
  balance     DECIMAL(19, 2)  NOT NULL
);

CREATE TABLE orders (
  order_id         VARCHAR(36)     NOT NULL PRIMARY KEY,
  idempotency_key  VARCHAR(200)    NOT NULL UNIQUE,
  account_id       VARCHAR(16)     NOT NULL,
  symbol           VARCHAR(12)     NOT NULL,
  side             VARCHAR(4)      NOT NULL,
  quantity         BIGINT          NOT NULL,
  price            DECIMAL(19, 2)  NOT NULL,
  status           VARCHAR(16)     NOT NULL,
  event_id         CHAR(36)        NOT NULL
);

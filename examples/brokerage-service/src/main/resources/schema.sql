CREATE TABLE IF NOT EXISTS account (
  account_id VARCHAR(16) NOT NULL PRIMARY KEY,
  balance DECIMAL(19, 2) NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  order_id VARCHAR(36) NOT NULL PRIMARY KEY,
  idempotency_key VARCHAR(200) NOT NULL UNIQUE,
  account_id VARCHAR(16) NOT NULL,
  symbol VARCHAR(12) NOT NULL,
  side VARCHAR(4) NOT NULL,
  quantity BIGINT NOT NULL,
  price DECIMAL(19, 2) NOT NULL,
  status VARCHAR(16) NOT NULL,
  event_id CHAR(36) NOT NULL
);

-- the settlement consumer (package settlement): one row per order, booked through the inbox
CREATE TABLE IF NOT EXISTS settlement (
  order_id VARCHAR(36) NOT NULL PRIMARY KEY,
  account_id VARCHAR(16) NOT NULL,
  event_id CHAR(36) NOT NULL,
  settled_at TIMESTAMP NOT NULL
);

-- the settlement consumer (package settlement): one row per order, booked through the inbox
CREATE TABLE settlement (
  order_id VARCHAR(36) NOT NULL PRIMARY KEY,
  account_id VARCHAR(16) NOT NULL,
  event_id CHAR(36) NOT NULL,
  settled_at TIMESTAMP NOT NULL
);

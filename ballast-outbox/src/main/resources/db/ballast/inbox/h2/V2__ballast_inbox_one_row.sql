-- Ballast inbox, version 2 (h2): one row per consumed event. The gap check reads the highest sequence number an
-- aggregate's earlier events carry (this index) instead of writing a second row per event; purging keeps each
-- aggregate's newest row, so that a purge never loses the number the next event is checked against.
CREATE INDEX IF NOT EXISTS ballast_inbox_sequence ON ballast_inbox (consumer, aggregate_type, aggregate_id, aggregate_seq);
-- Upgrade from version 1: an aggregate whose rows were purged keeps its highest sequence number as a marker row
-- (event id "v1-mark:" + MD5 of the aggregate). No row is added when the inbox already holds that number, so running
-- this again adds nothing. ballast_inbox_aggregate is no longer written: drop it once no instance of an older
-- version consumes.
INSERT INTO ballast_inbox (consumer, event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at)
  SELECT a.consumer, 'v1-mark:' || LOWER(RAWTOHEX(HASH('MD5', a.aggregate_type || '/' || a.aggregate_id))), a.aggregate_type, a.aggregate_id, a.last_seq, 'v1-high-water-mark', CURRENT_TIMESTAMP
  FROM ballast_inbox_aggregate a
  WHERE NOT EXISTS (SELECT 1 FROM ballast_inbox i WHERE i.consumer = a.consumer AND i.aggregate_type = a.aggregate_type
    AND i.aggregate_id = a.aggregate_id AND i.aggregate_seq >= a.last_seq);

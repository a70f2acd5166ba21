-- Ballast locks: the resilient chain records the latest Redis failure any instance saw (database clock, microseconds),
-- so locks return to Redis only after a quiet period without one (ResilientLockStrategyBuilder.quietPeriod).
-- Default table prefix "ballast_"; ballast.lock.jdbc.create-table adds the column itself.
ALTER TABLE ballast_lock_mode ADD COLUMN primary_failed_at BIGINT DEFAULT 0 NOT NULL;

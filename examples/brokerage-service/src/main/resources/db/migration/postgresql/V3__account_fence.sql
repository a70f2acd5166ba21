-- the fencing token of the account lock's last holder that wrote the balance (FencedWrite): a holder paused past its
-- lease, waking after a newer holder wrote, is refused by the database instead of overwriting the newer balance
ALTER TABLE account ADD COLUMN fence BIGINT NOT NULL DEFAULT 0;

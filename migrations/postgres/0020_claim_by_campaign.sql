-- The sending claim reads each sending campaign's due messages on its own
-- (db/src/campaigns/outbox.rs): by campaign, status and when each falls
-- due. The old index (status, next attempt, id) walked every queued
-- message of every campaign, including those a paused or cancelled
-- campaign leaves queued, before reaching a sending campaign's.
CREATE INDEX campaign_messages_claim ON campaign_messages (campaign_id, status, next_attempt_at, id);
DROP INDEX campaign_messages_due;

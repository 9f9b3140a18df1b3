-- Complaints: a recipient who reported a campaign's message as spam (a
-- feedback-loop report, RFC 5965) is an event of that message, like an
-- unsubscribe or a bounce.
ALTER TABLE campaign_events DROP CONSTRAINT campaign_events_kind_check;
ALTER TABLE campaign_events ADD CONSTRAINT campaign_events_kind_check
    CHECK (kind IN ('open', 'click', 'unsubscribe', 'bounce', 'complaint'));

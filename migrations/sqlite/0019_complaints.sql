-- Complaints: a recipient who reported a campaign's message as spam (a
-- feedback-loop report, RFC 5965) is an event of that message, like an
-- unsubscribe or a bounce. SQLite changes a CHECK only by rebuilding the
-- table; nothing references campaign_events, and its indexes come back
-- as they were (0016, 0017).
CREATE TABLE campaign_events_new (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    campaign_id INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('open', 'click', 'unsubscribe', 'bounce', 'complaint')),
    url         TEXT    CHECK (url IS NULL OR length(url) <= 2000),
    at          INTEGER NOT NULL,
    FOREIGN KEY (store_id, campaign_id) REFERENCES campaigns (store_id, id),
    FOREIGN KEY (store_id, message_id) REFERENCES campaign_messages (store_id, id)
);
INSERT INTO campaign_events_new (id, store_id, campaign_id, message_id, customer_id, kind, url, at)
    SELECT id, store_id, campaign_id, message_id, customer_id, kind, url, at FROM campaign_events;
DROP TABLE campaign_events;
ALTER TABLE campaign_events_new RENAME TO campaign_events;
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, kind, at);
CREATE INDEX campaign_events_customer ON campaign_events (store_id, customer_id, kind, at);
CREATE INDEX campaign_events_store_kind_at ON campaign_events (store_id, kind, at, customer_id);

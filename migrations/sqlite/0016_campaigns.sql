-- Email campaigns (DESIGN: "Reaching customers"): a campaign of a store, its
-- durable outbox (one row per recipient: UNIQUE (campaign_id, customer_id),
-- so each gets exactly one message) and what came back (opens, clicks,
-- unsubscribes, bounces). Written only by db/src/campaigns/.
--
-- Life of a campaign: draft -> (scheduled ->) queueing -> sending -> sent,
-- with paused and cancelled on the way. Queueing fixes the recipients: the
-- segment's definition and the moment are kept (definition, started_at) and
-- members are queued in chunks by customer id (queued_through), so a
-- restart goes on where it stopped and never holds the writer for long.
CREATE TABLE campaigns (
    id             INTEGER PRIMARY KEY,
    store_id       INTEGER NOT NULL REFERENCES stores (id),
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    subject        TEXT    NOT NULL CHECK (length(subject) <= 200),
    sender_name    TEXT    NOT NULL CHECK (length(sender_name) <= 100),
    body           TEXT    NOT NULL CHECK (length(body) <= 100000),
    segment_id     INTEGER,
    status         TEXT    NOT NULL CHECK (status IN
        ('draft', 'scheduled', 'queueing', 'sending', 'paused', 'cancelled', 'sent')),
    send_at        INTEGER,
    definition     TEXT,
    queued_through INTEGER NOT NULL DEFAULT 0,
    recipients     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, segment_id) REFERENCES segments (store_id, id)
);
CREATE INDEX campaigns_store ON campaigns (store_id, id);
CREATE INDEX campaigns_status ON campaigns (status);

-- The outbox. queued -> sending (claimed: lease_until) -> sent, or back to
-- queued with next_attempt_at (a temporary failure), failed (attempts
-- exhausted), bounced (a permanent failure), skipped (no longer consenting
-- when claimed). A claim whose lease ran out (a server killed mid-send) is
-- claimed again: those few messages may go twice, no others.
CREATE TABLE campaign_messages (
    id               INTEGER PRIMARY KEY,
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    campaign_id      INTEGER NOT NULL,
    customer_id      INTEGER NOT NULL,
    email            TEXT    NOT NULL CHECK (length(email) <= 254),
    email_normalized TEXT    NOT NULL CHECK (length(email_normalized) <= 254),
    status           TEXT    NOT NULL CHECK (status IN
        ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER NOT NULL DEFAULT 0,
    worker           TEXT,
    message_id       TEXT,
    error            TEXT    CHECK (error IS NULL OR length(error) <= 500),
    sent_at          INTEGER,
    UNIQUE (campaign_id, customer_id),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, campaign_id) REFERENCES campaigns (store_id, id)
);
CREATE INDEX campaign_messages_due ON campaign_messages (status, next_attempt_at, id);
CREATE INDEX campaign_messages_campaign ON campaign_messages (campaign_id, status);

-- What recipients did: each a fact on the customer's timeline and a
-- segment rule's input.
CREATE TABLE campaign_events (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    campaign_id INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('open', 'click', 'unsubscribe', 'bounce')),
    url         TEXT    CHECK (url IS NULL OR length(url) <= 2000),
    at          INTEGER NOT NULL,
    FOREIGN KEY (store_id, campaign_id) REFERENCES campaigns (store_id, id),
    FOREIGN KEY (store_id, message_id) REFERENCES campaign_messages (store_id, id)
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, kind, at);
CREATE INDEX campaign_events_customer ON campaign_events (store_id, customer_id, kind, at);

-- Secrets the servers share (the key that signs links in messages), made
-- once by whichever server needs one first.
CREATE TABLE app_secrets (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

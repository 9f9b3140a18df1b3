-- Email consent and suppression, per normalised email within a store
-- (DESIGN: "Consent"). Written only by db/src/consent.rs.
--
-- The state of an address is the greatest report by (explicit, reported_at,
-- report_key): an explicit report (a `consent` event, an unsubscribe link)
-- outranks an implied one (a lead's opt-in, an import's consent column), and
-- among equals the newest wins, ties by the greater key (byte-wise). So an
-- unsubscribe is undone only by a later explicit consent, and the state
-- depends only on the set of reports, never their order. A customer has one
-- normalised email, so a merge (one address) has one state by construction.
CREATE TABLE email_consents (
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    email_normalized TEXT    NOT NULL CHECK (length(email_normalized) BETWEEN 3 AND 254),
    consent          TEXT    NOT NULL CHECK (consent IN ('subscribed', 'unsubscribed')),
    explicit         INTEGER NOT NULL CHECK (explicit IN (0, 1)),
    reported_at      INTEGER NOT NULL,
    report_key       TEXT    NOT NULL,
    source           TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (store_id, email_normalized)
);

-- Addresses no campaign may reach: a hard bounce or a complaint. Kept apart
-- from consent: a later consent does not make a dead address deliverable.
CREATE TABLE email_suppressions (
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    email_normalized TEXT    NOT NULL CHECK (length(email_normalized) BETWEEN 3 AND 254),
    reason           TEXT    NOT NULL CHECK (reason IN ('bounce', 'complaint')),
    detail           TEXT    NOT NULL CHECK (length(detail) <= 500),
    suppressed_at    INTEGER NOT NULL,
    PRIMARY KEY (store_id, email_normalized)
);

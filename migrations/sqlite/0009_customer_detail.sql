-- The customer detail page: when each progress milestone was reached and
-- each subscription report (both written by the fact path, so live events
-- and replays produce them), the owner's notes and tags, and the activity
-- log of notes and tag changes that the timeline shows.
-- Timestamps are unix milliseconds.

-- The first time (the earliest report time, whatever order reports arrive
-- in) an enrollment's progress was reported at or above 25, 50, 75 or 100%.
-- Enrollments loaded in bulk without reports have no rows here; the timeline
-- shows their milestones at the enrollment's progress_at (see
-- db/src/customers/timeline.rs).
CREATE TABLE enrollment_milestones (
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    percent       INTEGER NOT NULL CHECK (percent IN (25, 50, 75, 100)),
    store_id      INTEGER NOT NULL REFERENCES stores (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    reached_at    INTEGER NOT NULL,
    PRIMARY KEY (enrollment_id, percent)
);
CREATE INDEX enrollment_milestones_store_user ON enrollment_milestones (store_id, user_id);

-- Every report of a subscription (subscriptions keeps only the newest): its
-- history, one row per event id.
CREATE TABLE subscription_changes (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    store_id        INTEGER NOT NULL REFERENCES stores (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    plan_id         INTEGER NOT NULL REFERENCES plans (id),
    status          TEXT    NOT NULL
        CHECK (status IN ('active', 'trialing', 'past_due', 'cancelled', 'expired')),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    happened_at     INTEGER NOT NULL,
    event_id        TEXT    NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX subscription_changes_store_user ON subscription_changes (store_id, user_id);

-- A store's tags; names are unique per store ignoring case.
CREATE TABLE tags (
    id              INTEGER PRIMARY KEY,
    store_id        INTEGER NOT NULL REFERENCES stores (id),
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    name_normalized TEXT    NOT NULL CHECK (length(name_normalized) BETWEEN 1 AND 200),
    created_at      INTEGER NOT NULL,
    UNIQUE (store_id, name_normalized)
);

-- Which customers (store, user) carry which tag.
CREATE TABLE customer_tags (
    tag_id    INTEGER NOT NULL REFERENCES tags (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    store_id  INTEGER NOT NULL REFERENCES stores (id),
    tagged_at INTEGER NOT NULL,
    tagged_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    PRIMARY KEY (tag_id, user_id)
);
CREATE INDEX customer_tags_store_user ON customer_tags (store_id, user_id);

-- The owner's notes about a customer; the author's email is kept with the
-- note so it still says who wrote it after the account is gone.
CREATE TABLE customer_notes (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    body         TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    author_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    author_email TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    edited_by    TEXT
);
CREATE INDEX customer_notes_store_user ON customer_notes (store_id, user_id, created_at);

-- What the owner did to a customer: the timeline's "note added" and "tag
-- added/removed" entries. A note's entry goes with the note.
CREATE TABLE customer_activity (
    id            INTEGER PRIMARY KEY,
    store_id      INTEGER NOT NULL REFERENCES stores (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('note_added', 'tag_added', 'tag_removed')),
    note_id       INTEGER REFERENCES customer_notes (id) ON DELETE CASCADE,
    tag_name      TEXT,
    account_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    account_email TEXT,
    happened_at   INTEGER NOT NULL
);
CREATE INDEX customer_activity_store_user ON customer_activity (store_id, user_id, happened_at);
CREATE INDEX customer_activity_note ON customer_activity (note_id) WHERE note_id IS NOT NULL;

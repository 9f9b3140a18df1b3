-- Each store's people are its own (DESIGN: "Identity belongs to the store").
--
-- Before: one platform-wide `users` table (email unique across stores) and
-- `user_ids` (platform id -> user), so one store's events could rename or
-- re-email a person every store showed. Now:
--
-- - `identities`: one row per (store, platform id): what THAT store's events
--   last reported for it (email, name: newest report wins, ties by event
--   id) and when its first fact happened. Nothing outside the store reads or
--   writes it.
-- - A customer is a group of a store's identities: those whose current email
--   normalises to the same address (an identity without email is its own
--   group). `identities.customer_id` is the group's customer: the id of its
--   anchor, the identity with the earliest first fact (ties: smallest
--   platform id, byte-wise). Grouping and derivation are computed in Rust
--   (db/src/identity/group.rs, db/src/customers/derive.rs) from the facts.
-- - Facts and owner-written data (notes, tags, activity) point at an
--   identity, so a merge shows both identities' facts and notes under one
--   customer and an email change moves them with their identity.
-- - Every table that holds a store's people names the store in its foreign
--   keys ((store_id, identity_id) -> identities (store_id, id)), so no row of
--   one store can point at another store's person.
-- - Catalog titles are referenced, not copied: customers keep name and email
--   in `search_text`; course and product titles are searched through the
--   catalog (`title_folded`) and the facts' indexes, so a rename writes no
--   customer row.
--
-- Existing data: every (store, user) pair with facts becomes that store's
-- identities for each of the user's platform ids; facts, notes, tags and the
-- activity log move to the pair's anchor identity, whose id is the pair's
-- customer id, so customer URLs stay. Customers and their totals are derived
-- again by the server right after this migration (`upgrade_tasks`), as is the
-- case folding of catalog titles (done in Rust, the same on both databases).
--
-- SQLite cannot drop a column inside a unique constraint, so the tables are
-- rebuilt (create, copy, drop, rename), children dropped before parents.
-- The migration runs in one transaction, where foreign keys cannot be
-- switched off: they are checked at its commit instead (and again by the
-- server right after, see db/src/upgrade.rs).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE upgrade_tasks (
    name TEXT PRIMARY KEY
);
INSERT INTO upgrade_tasks (name) VALUES ('fold_text'), ('derive_customers');

ALTER TABLE events ADD COLUMN body_hash TEXT;
-- The backfill's checkpoint is a customer id now (batches are ranges of
-- customers); refunds whose payment never arrived are pending, not errors.
ALTER TABLE backfill_runs RENAME COLUMN checkpoint_user TO checkpoint_customer;
ALTER TABLE backfill_runs ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN title_folded TEXT;
ALTER TABLE products ADD COLUMN title_folded TEXT;
ALTER TABLE plans ADD COLUMN title_folded TEXT;
CREATE UNIQUE INDEX courses_store_row ON courses (store_id, id);
CREATE UNIQUE INDEX products_store_row ON products (store_id, id);
CREATE UNIQUE INDEX plans_store_row ON plans (store_id, id);
CREATE UNIQUE INDEX tags_store_row ON tags (store_id, id);
-- Catalog search: a store's titles, folded.
CREATE INDEX courses_store_title ON courses (store_id, title_folded);
CREATE INDEX products_store_title ON products (store_id, title_folded);

CREATE TABLE identities (
    id               INTEGER PRIMARY KEY,
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    external_id      TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    email            TEXT    CHECK (email IS NULL OR length(email) <= 254),
    email_normalized TEXT    CHECK (email_normalized IS NULL OR length(email_normalized) <= 254),
    email_at         INTEGER NOT NULL DEFAULT 0,
    email_event      TEXT    NOT NULL DEFAULT '',
    name             TEXT    CHECK (name IS NULL OR length(name) <= 200),
    name_at          INTEGER NOT NULL DEFAULT 0,
    name_event       TEXT    NOT NULL DEFAULT '',
    imported         INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    first_at         INTEGER NOT NULL,
    customer_id      INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (store_id, external_id),
    UNIQUE (store_id, id)
);

-- (store, user) pairs with facts, their first fact, and their anchor: the
-- user's smallest platform id.
CREATE TEMP TABLE pairs AS
SELECT f.store_id, f.user_id, MIN(f.at) AS first_at,
       (SELECT MIN(x.external_id) FROM user_ids x WHERE x.user_id = f.user_id) AS anchor
FROM (
    SELECT store_id, user_id, enrolled_at AS at FROM enrollments
    UNION ALL SELECT store_id, user_id, paid_at FROM purchases WHERE user_id IS NOT NULL
    UNION ALL SELECT store_id, user_id, started_at FROM subscriptions
    UNION ALL SELECT store_id, user_id, created_at FROM leads
) f
GROUP BY f.store_id, f.user_id;

-- Anchors first, keeping the pair's customer id where there is a customer.
INSERT INTO identities (id, store_id, external_id, email, email_normalized, email_at, name,
                        name_at, imported, first_at, customer_id, created_at)
SELECT c.id, p.store_id, p.anchor, u.email, u.email_normalized, u.email_at, u.name, u.name_at,
       CASE WHEN p.anchor LIKE 'import:%' THEN 1 ELSE 0 END, p.first_at, c.id, u.created_at
FROM pairs p
JOIN users u ON u.id = p.user_id
JOIN customers c ON c.store_id = p.store_id AND c.user_id = p.user_id
WHERE p.anchor IS NOT NULL;
INSERT INTO identities (store_id, external_id, email, email_normalized, email_at, name,
                        name_at, imported, first_at, created_at)
SELECT p.store_id, p.anchor, u.email, u.email_normalized, u.email_at, u.name, u.name_at,
       CASE WHEN p.anchor LIKE 'import:%' THEN 1 ELSE 0 END, p.first_at, u.created_at
FROM pairs p
JOIN users u ON u.id = p.user_id
LEFT JOIN customers c ON c.store_id = p.store_id AND c.user_id = p.user_id
WHERE p.anchor IS NOT NULL AND c.id IS NULL;
-- The user's other platform ids, in every store the user had facts in.
INSERT INTO identities (store_id, external_id, email, email_normalized, email_at, name,
                        name_at, imported, first_at, created_at)
SELECT p.store_id, x.external_id, u.email, u.email_normalized, u.email_at, u.name, u.name_at,
       CASE WHEN x.external_id LIKE 'import:%' THEN 1 ELSE 0 END, p.first_at, u.created_at
FROM pairs p
JOIN users u ON u.id = p.user_id
JOIN user_ids x ON x.user_id = p.user_id AND x.external_id <> p.anchor;

CREATE TEMP TABLE anchors AS
SELECT p.store_id, p.user_id, i.id AS identity_id
FROM pairs p JOIN identities i ON i.store_id = p.store_id AND i.external_id = p.anchor;
CREATE UNIQUE INDEX temp.anchors_pair ON anchors (store_id, user_id);

CREATE TABLE enrollments_v2 (
    id               INTEGER PRIMARY KEY,
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    course_id        INTEGER NOT NULL,
    identity_id      INTEGER NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_at      INTEGER NOT NULL DEFAULT 0,
    last_accessed_at INTEGER NOT NULL,
    UNIQUE (course_id, identity_id),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, course_id) REFERENCES courses (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO enrollments_v2 (id, store_id, course_id, identity_id, enrolled_at, progress,
                            progress_at, last_accessed_at)
SELECT e.id, e.store_id, e.course_id, a.identity_id, e.enrolled_at, e.progress, e.progress_at,
       e.last_accessed_at
FROM enrollments e JOIN anchors a ON a.store_id = e.store_id AND a.user_id = e.user_id;

-- A payment's values are its earliest report's (paid_at, ties: paid_event,
-- the report's event id); reported_at is its newest report (the customer's
-- activity, which never moves back when a payment is re-reported).
CREATE TABLE purchases_v2 (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    external_id  TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    identity_id  INTEGER,
    course_id    INTEGER,
    product_id   INTEGER,
    plan_id      INTEGER,
    amount_cents INTEGER CHECK (amount_cents >= 0),
    currency     TEXT    CHECK (currency IS NULL OR length(currency) = 3),
    paid_at      INTEGER,
    paid_event   TEXT    NOT NULL DEFAULT '',
    reported_at  INTEGER,
    refunded_at  INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (store_id, external_id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id),
    FOREIGN KEY (store_id, course_id) REFERENCES courses (store_id, id),
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id),
    FOREIGN KEY (store_id, plan_id) REFERENCES plans (store_id, id),
    CHECK (
        (paid_at IS NULL AND identity_id IS NULL AND amount_cents IS NULL AND currency IS NULL
            AND reported_at IS NULL
            AND course_id IS NULL AND product_id IS NULL AND plan_id IS NULL)
        OR (paid_at IS NOT NULL AND identity_id IS NOT NULL AND amount_cents IS NOT NULL
            AND currency IS NOT NULL AND reported_at IS NOT NULL
            AND (course_id IS NOT NULL) + (product_id IS NOT NULL) + (plan_id IS NOT NULL) = 1)
    )
);
INSERT INTO purchases_v2 (id, store_id, external_id, identity_id, course_id, product_id, plan_id,
                          amount_cents, currency, paid_at, reported_at, refunded_at, created_at)
SELECT p.id, p.store_id, p.external_id, a.identity_id, p.course_id, p.product_id, p.plan_id,
       p.amount_cents, p.currency, p.paid_at, p.paid_at, p.refunded_at, p.created_at
FROM purchases p LEFT JOIN anchors a ON a.store_id = p.store_id AND a.user_id = p.user_id;

CREATE TABLE subscriptions_v2 (
    id                 INTEGER PRIMARY KEY,
    store_id           INTEGER NOT NULL REFERENCES stores (id),
    external_id        TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    identity_id        INTEGER NOT NULL,
    plan_id            INTEGER NOT NULL,
    amount_cents       INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency           TEXT    NOT NULL CHECK (length(currency) = 3),
    billing_interval   TEXT    NOT NULL CHECK (billing_interval IN ('day', 'week', 'month', 'year')),
    status             TEXT    NOT NULL
        CHECK (status IN ('active', 'trialing', 'past_due', 'cancelled', 'expired')),
    started_at         INTEGER NOT NULL,
    current_period_end INTEGER,
    status_at          INTEGER NOT NULL,
    status_event       TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    UNIQUE (store_id, external_id),
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id),
    FOREIGN KEY (store_id, plan_id) REFERENCES plans (store_id, id)
);
INSERT INTO subscriptions_v2 (id, store_id, external_id, identity_id, plan_id, amount_cents,
                              currency, billing_interval, status, started_at, current_period_end,
                              status_at, status_event, created_at)
SELECT s.id, s.store_id, s.external_id, a.identity_id, s.plan_id, s.amount_cents, s.currency,
       s.billing_interval, s.status, s.started_at, s.current_period_end, s.status_at,
       s.status_event, s.created_at
FROM subscriptions s JOIN anchors a ON a.store_id = s.store_id AND a.user_id = s.user_id;

-- An opt-in (imported = 0) or a contact from a file (imported = 1).
CREATE TABLE leads_v2 (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    identity_id INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    imported    INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    created_at  INTEGER NOT NULL,
    UNIQUE (store_id, identity_id, source),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO leads_v2 (id, store_id, identity_id, source, imported, created_at)
SELECT l.id, l.store_id, a.identity_id, l.source,
       CASE WHEN l.source LIKE 'import: %' THEN 1 ELSE 0 END, l.created_at
FROM leads l JOIN anchors a ON a.store_id = l.store_id AND a.user_id = l.user_id;

CREATE TABLE enrollment_milestones_v2 (
    enrollment_id INTEGER NOT NULL,
    percent       INTEGER NOT NULL CHECK (percent IN (25, 50, 75, 100)),
    store_id      INTEGER NOT NULL REFERENCES stores (id),
    identity_id   INTEGER NOT NULL,
    reached_at    INTEGER NOT NULL,
    PRIMARY KEY (enrollment_id, percent),
    FOREIGN KEY (store_id, enrollment_id) REFERENCES enrollments_v2 (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO enrollment_milestones_v2 (enrollment_id, percent, store_id, identity_id, reached_at)
SELECT m.enrollment_id, m.percent, m.store_id, a.identity_id, m.reached_at
FROM enrollment_milestones m JOIN anchors a ON a.store_id = m.store_id AND a.user_id = m.user_id;

CREATE TABLE subscription_changes_v2 (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    store_id        INTEGER NOT NULL REFERENCES stores (id),
    identity_id     INTEGER NOT NULL,
    plan_id         INTEGER NOT NULL,
    status          TEXT    NOT NULL
        CHECK (status IN ('active', 'trialing', 'past_due', 'cancelled', 'expired')),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    happened_at     INTEGER NOT NULL,
    event_id        TEXT    NOT NULL,
    UNIQUE (subscription_id, event_id),
    FOREIGN KEY (store_id, subscription_id) REFERENCES subscriptions_v2 (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id),
    FOREIGN KEY (store_id, plan_id) REFERENCES plans (store_id, id)
);
INSERT INTO subscription_changes_v2 (id, subscription_id, store_id, identity_id, plan_id, status,
                                     amount_cents, currency, happened_at, event_id)
SELECT s.id, s.subscription_id, s.store_id, a.identity_id, s.plan_id, s.status, s.amount_cents,
       s.currency, s.happened_at, s.event_id
FROM subscription_changes s JOIN anchors a ON a.store_id = s.store_id AND a.user_id = s.user_id;

-- Owner-written data points at the identity that anchored the customer when
-- it was written: a customer shows its identities' notes and tags together.
CREATE TABLE customer_tags_v2 (
    tag_id      INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    tagged_at   INTEGER NOT NULL,
    tagged_by   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    PRIMARY KEY (tag_id, identity_id),
    FOREIGN KEY (store_id, tag_id) REFERENCES tags (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO customer_tags_v2 (tag_id, identity_id, store_id, tagged_at, tagged_by)
SELECT t.tag_id, a.identity_id, t.store_id, t.tagged_at, t.tagged_by
FROM customer_tags t JOIN anchors a ON a.store_id = t.store_id AND a.user_id = t.user_id;

CREATE TABLE customer_notes_v2 (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    identity_id  INTEGER NOT NULL,
    body         TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    author_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    author_email TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    edited_by    TEXT,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO customer_notes_v2 (id, store_id, identity_id, body, author_id, author_email,
                               created_at, edited_at, edited_by)
SELECT n.id, n.store_id, a.identity_id, n.body, n.author_id, n.author_email, n.created_at,
       n.edited_at, n.edited_by
FROM customer_notes n JOIN anchors a ON a.store_id = n.store_id AND a.user_id = n.user_id;

CREATE TABLE customer_activity_v2 (
    id            INTEGER PRIMARY KEY,
    store_id      INTEGER NOT NULL REFERENCES stores (id),
    identity_id   INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('note_added', 'tag_added', 'tag_removed')),
    note_id       INTEGER REFERENCES customer_notes_v2 (id) ON DELETE CASCADE,
    tag_name      TEXT,
    account_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    account_email TEXT,
    happened_at   INTEGER NOT NULL,
    FOREIGN KEY (store_id, identity_id) REFERENCES identities (store_id, id)
);
INSERT INTO customer_activity_v2 (id, store_id, identity_id, kind, note_id, tag_name, account_id,
                                  account_email, happened_at)
SELECT x.id, x.store_id, a.identity_id, x.kind, x.note_id, x.tag_name, x.account_id,
       x.account_email, x.happened_at
FROM customer_activity x JOIN anchors a ON a.store_id = x.store_id AND a.user_id = x.user_id;

-- Derived: one row per customer (a group of identities), id = its anchor's
-- id. Written by db/src/customers/derive.rs only. source_ref is the catalog
-- row of the first fact (course, product or plan) and source_text the lead's
-- source; titles are read through source_ref, so a rename changes no row.
-- Emails are unique per store by construction (one group per address).
CREATE TABLE customers_v2 (
    id                      INTEGER PRIMARY KEY,
    store_id                INTEGER NOT NULL REFERENCES stores (id),
    name                    TEXT,
    email                   TEXT,
    email_normalized        TEXT,
    type                    TEXT    NOT NULL CHECK (type IN ('lead', 'paying', 'subscription')),
    has_active_subscription INTEGER NOT NULL,
    total_spent_cents       INTEGER NOT NULL,
    last_activity_at        INTEGER NOT NULL,
    joined_at               INTEGER NOT NULL,
    source_kind             TEXT    NOT NULL
        CHECK (source_kind IN ('course', 'lead', 'product', 'subscription', 'import')),
    source_ref              INTEGER,
    source_text             TEXT,
    courses_count           INTEGER NOT NULL,
    products_count          INTEGER NOT NULL,
    purchases_count         INTEGER NOT NULL,
    search_text             TEXT    NOT NULL,
    version                 INTEGER NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    store_tag               TEXT GENERATED ALWAYS AS ('#' || store_id || '#') VIRTUAL,
    FOREIGN KEY (store_id, id) REFERENCES identities (store_id, id)
);

CREATE TABLE customer_totals_v2 (
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    customer_id INTEGER NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    net_cents   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, currency),
    FOREIGN KEY (store_id, customer_id) REFERENCES identities (store_id, id)
);

DROP TRIGGER customers_fts_insert;
DROP TRIGGER customers_fts_delete;
DROP TRIGGER customers_fts_update;
DROP TABLE customers_fts;
DROP TABLE customer_activity;
DROP TABLE customer_notes;
DROP TABLE customer_tags;
DROP TABLE subscription_changes;
DROP TABLE enrollment_milestones;
DROP TABLE customer_totals;
DROP TABLE customers;
DROP TABLE leads;
DROP TABLE subscriptions;
DROP TABLE purchases;
DROP TABLE enrollments;
DROP TABLE user_ids;
DROP TABLE users;
DROP TABLE temp.anchors;
DROP TABLE temp.pairs;

ALTER TABLE enrollments_v2 RENAME TO enrollments;
ALTER TABLE purchases_v2 RENAME TO purchases;
ALTER TABLE subscriptions_v2 RENAME TO subscriptions;
ALTER TABLE leads_v2 RENAME TO leads;
ALTER TABLE enrollment_milestones_v2 RENAME TO enrollment_milestones;
ALTER TABLE subscription_changes_v2 RENAME TO subscription_changes;
ALTER TABLE customer_tags_v2 RENAME TO customer_tags;
ALTER TABLE customer_notes_v2 RENAME TO customer_notes;
ALTER TABLE customer_activity_v2 RENAME TO customer_activity;
ALTER TABLE customers_v2 RENAME TO customers;
ALTER TABLE customer_totals_v2 RENAME TO customer_totals;

CREATE INDEX identities_email ON identities (store_id, email_normalized);
CREATE INDEX identities_customer ON identities (store_id, customer_id);

CREATE INDEX enrollments_identity ON enrollments (identity_id);
CREATE INDEX purchases_identity ON purchases (identity_id);
CREATE INDEX purchases_course ON purchases (course_id, identity_id) WHERE course_id IS NOT NULL;
CREATE INDEX purchases_product ON purchases (product_id, identity_id) WHERE product_id IS NOT NULL;
CREATE INDEX purchases_plan ON purchases (plan_id) WHERE plan_id IS NOT NULL;
CREATE INDEX subscriptions_identity ON subscriptions (identity_id);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id);
CREATE INDEX leads_identity ON leads (identity_id);
CREATE INDEX enrollment_milestones_identity ON enrollment_milestones (identity_id);
CREATE INDEX subscription_changes_identity ON subscription_changes (identity_id);
CREATE INDEX customer_tags_identity ON customer_tags (identity_id);
CREATE INDEX customer_tags_store ON customer_tags (store_id, tag_id);
CREATE INDEX customer_notes_identity ON customer_notes (identity_id, created_at);
CREATE INDEX customer_activity_identity ON customer_activity (identity_id, happened_at);
CREATE INDEX customer_activity_note ON customer_activity (note_id) WHERE note_id IS NOT NULL;

-- The customers page (see 0004, 0005, 0008). A customer row is in every
-- index of this table, so there are few, each serving two purposes: sorted
-- by a key then the id (keyset pages), and carrying what the counts of a
-- range filter read (type, subscription, the other keys), so counting a
-- range never reads the table. Prefix search uses the name and email ones.
CREATE INDEX customers_store_type ON customers (store_id, type);
CREATE INDEX customers_store_spent ON customers
    (store_id, total_spent_cents, id, type, has_active_subscription, last_activity_at, joined_at);
CREATE INDEX customers_store_activity ON customers
    (store_id, last_activity_at, id, type, has_active_subscription, total_spent_cents, joined_at);
CREATE INDEX customers_store_joined ON customers
    (store_id, joined_at, id, type, has_active_subscription, last_activity_at, total_spent_cents);
CREATE INDEX customers_store_name_key ON customers (store_id, COALESCE(name, ''));
CREATE INDEX customers_store_email ON customers (store_id, email_normalized);
CREATE INDEX customer_totals_store_currency ON customer_totals (store_id, currency, net_cents);

-- Name and email search: FTS5 trigram over search_text (folded name and
-- normalised email, folded by the server, so case-sensitive here: the fold
-- is the server's, the same on both databases), with the store tag (0008).
CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text,
    store_tag,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, search_text, store_tag)
    VALUES (new.id, new.search_text, new.store_tag);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text, store_tag)
    VALUES ('delete', old.id, old.search_text, old.store_tag);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text, store_tag)
    VALUES ('delete', old.id, old.search_text, old.store_tag);
    INSERT INTO customers_fts (rowid, search_text, store_tag)
    VALUES (new.id, new.search_text, new.store_tag);
END;


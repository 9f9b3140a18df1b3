-- The core: platform users, each store's catalog, the facts the platform
-- reports (enrollments, purchases, subscriptions, leads), the events log that
-- makes reports idempotent, API keys, and the customers derived from the facts.
-- Timestamps are unix milliseconds; money is integer cents plus an ISO currency.

-- A person of the platform, across stores. Email is stored as given; the
-- normalised form (lower(trim)) is unique, so two platform ids whose emails
-- differ only in case are one user. Name and email are last-writer-wins by
-- the time of the event that reported them (`*_at`).
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT    CHECK (email IS NULL OR length(email) <= 254),
    email_normalized TEXT    UNIQUE CHECK (email_normalized IS NULL OR length(email_normalized) <= 254),
    email_at         INTEGER NOT NULL DEFAULT 0,
    name             TEXT    CHECK (name IS NULL OR length(name) <= 200),
    name_at          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- The platform's ids for a user (several when emails matched).
CREATE TABLE user_ids (
    external_id TEXT    PRIMARY KEY CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id     INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX user_ids_user ON user_ids (user_id);

-- Catalog. A row may be a placeholder (title NULL, updated_at 0) created by a
-- fact that named it before its catalog event arrived; catalog events are
-- last-writer-wins by (updated_at, updated_by = event id).
CREATE TABLE courses (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    external_id TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    title       TEXT    CHECK (title IS NULL OR length(title) BETWEEN 1 AND 300),
    price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
    currency    TEXT    CHECK (currency IS NULL OR length(currency) = 3),
    updated_at  INTEGER NOT NULL DEFAULT 0,
    updated_by  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (store_id, external_id)
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    external_id TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    title       TEXT    CHECK (title IS NULL OR length(title) BETWEEN 1 AND 300),
    price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
    currency    TEXT    CHECK (currency IS NULL OR length(currency) = 3),
    updated_at  INTEGER NOT NULL DEFAULT 0,
    updated_by  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (store_id, external_id)
);

CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    external_id  TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    title        TEXT    CHECK (title IS NULL OR length(title) BETWEEN 1 AND 300),
    amount_cents INTEGER NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    currency     TEXT    CHECK (currency IS NULL OR length(currency) = 3),
    billing_interval TEXT    CHECK (billing_interval IS NULL OR billing_interval IN ('day', 'week', 'month', 'year')),
    updated_at   INTEGER NOT NULL DEFAULT 0,
    updated_by   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (store_id, external_id)
);

-- One row per (course, user). enrolled_at is the earliest report; progress
-- is the newest report's (progress_at); last_accessed_at never goes back.
CREATE TABLE enrollments (
    id               INTEGER PRIMARY KEY,
    store_id         INTEGER NOT NULL REFERENCES stores (id),
    course_id        INTEGER NOT NULL REFERENCES courses (id),
    user_id          INTEGER NOT NULL REFERENCES users (id),
    enrolled_at      INTEGER NOT NULL,
    progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_at      INTEGER NOT NULL DEFAULT 0,
    last_accessed_at INTEGER NOT NULL,
    UNIQUE (course_id, user_id)
);
CREATE INDEX enrollments_store_user ON enrollments (store_id, user_id);

-- A payment for exactly one course, product or plan (plan: a subscription
-- payment). Refunds are full; status is completed while refunded_at is NULL.
-- A refund that arrives before its purchase leaves a placeholder (paid_at,
-- user and item NULL) that the purchase fills in.
CREATE TABLE purchases (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    external_id  TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id      INTEGER REFERENCES users (id),
    course_id    INTEGER REFERENCES courses (id),
    product_id   INTEGER REFERENCES products (id),
    plan_id      INTEGER REFERENCES plans (id),
    amount_cents INTEGER CHECK (amount_cents >= 0),
    currency     TEXT    CHECK (currency IS NULL OR length(currency) = 3),
    paid_at      INTEGER,
    refunded_at  INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (store_id, external_id),
    CHECK (
        (paid_at IS NULL AND user_id IS NULL AND amount_cents IS NULL AND currency IS NULL
            AND course_id IS NULL AND product_id IS NULL AND plan_id IS NULL)
        OR (paid_at IS NOT NULL AND user_id IS NOT NULL AND amount_cents IS NOT NULL
            AND currency IS NOT NULL
            AND (course_id IS NOT NULL) + (product_id IS NOT NULL) + (plan_id IS NOT NULL) = 1)
    )
);
CREATE INDEX purchases_store_user ON purchases (store_id, user_id);
CREATE INDEX purchases_course ON purchases (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX purchases_product ON purchases (product_id) WHERE product_id IS NOT NULL;
CREATE INDEX purchases_plan ON purchases (plan_id) WHERE plan_id IS NOT NULL;

-- Status, plan and amounts are last-writer-wins by (status_at, status_event).
CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    store_id           INTEGER NOT NULL REFERENCES stores (id),
    external_id        TEXT    NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id            INTEGER NOT NULL REFERENCES users (id),
    plan_id            INTEGER NOT NULL REFERENCES plans (id),
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
    UNIQUE (store_id, external_id)
);
CREATE INDEX subscriptions_store_user ON subscriptions (store_id, user_id);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id);

-- An opt-in or an imported contact; created_at is the earliest report.
CREATE TABLE leads (
    id         INTEGER PRIMARY KEY,
    store_id   INTEGER NOT NULL REFERENCES stores (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    source     TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    created_at INTEGER NOT NULL,
    UNIQUE (store_id, user_id, source)
);

-- Every event id a store reported: a repeat is a no-op.
CREATE TABLE events (
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    event_id    TEXT    NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    type        TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, event_id)
);

-- API keys of a store: only the SHA-256 of the token is kept.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    store_id   INTEGER NOT NULL REFERENCES stores (id),
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix     TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_keys_store ON api_keys (store_id);

-- Derived: one person in one store, recomputed from the facts (see
-- db/src/customers/derive.rs). Status is time-dependent and computed at read
-- time (customers::status_sql). total_spent_cents is net, in the store's
-- currency; customer_totals has every currency. version counts changes.
CREATE TABLE customers (
    id                      INTEGER PRIMARY KEY,
    store_id                INTEGER NOT NULL REFERENCES stores (id),
    user_id                 INTEGER NOT NULL REFERENCES users (id),
    name                    TEXT,
    email                   TEXT,
    email_normalized        TEXT,
    type                    TEXT    NOT NULL CHECK (type IN ('lead', 'paying', 'subscription')),
    has_active_subscription INTEGER NOT NULL,
    total_spent_cents       INTEGER NOT NULL,
    last_activity_at        INTEGER NOT NULL,
    joined_at               INTEGER NOT NULL,
    source_kind             TEXT    NOT NULL,
    source_title            TEXT    NOT NULL,
    courses_count           INTEGER NOT NULL,
    products_count          INTEGER NOT NULL,
    purchases_count         INTEGER NOT NULL,
    search_text             TEXT    NOT NULL,
    version                 INTEGER NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    UNIQUE (store_id, user_id),
    UNIQUE (store_id, email_normalized)
);
CREATE INDEX customers_user ON customers (user_id);
CREATE INDEX customers_store_type ON customers (store_id, type);
CREATE INDEX customers_store_spent ON customers (store_id, total_spent_cents);
CREATE INDEX customers_store_activity ON customers (store_id, last_activity_at);
CREATE INDEX customers_store_joined ON customers (store_id, joined_at);
CREATE INDEX customers_store_name ON customers (store_id, name);

CREATE TABLE customer_totals (
    store_id  INTEGER NOT NULL REFERENCES stores (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    currency  TEXT    NOT NULL CHECK (length(currency) = 3),
    net_cents INTEGER NOT NULL,
    PRIMARY KEY (store_id, user_id, currency)
);

-- The backfill: one row per run (store_id NULL = all stores), its checkpoint
-- (the last store and user whose customers were derived, moved forward by
-- the same transaction that derives each batch) and the source rows it could
-- not turn into customers. Timestamps are unix milliseconds.
CREATE TABLE backfill_runs (
    id                  INTEGER PRIMARY KEY,
    store_id            INTEGER REFERENCES stores (id),
    started_by          INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    status              TEXT    NOT NULL
        CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    batch_size          INTEGER NOT NULL CHECK (batch_size > 0),
    found_enrollments   INTEGER NOT NULL DEFAULT 0,
    found_purchases     INTEGER NOT NULL DEFAULT 0,
    found_subscriptions INTEGER NOT NULL DEFAULT 0,
    found_leads         INTEGER NOT NULL DEFAULT 0,
    rows_done           INTEGER NOT NULL DEFAULT 0,
    created             INTEGER NOT NULL DEFAULT 0,
    updated             INTEGER NOT NULL DEFAULT 0,
    unchanged           INTEGER NOT NULL DEFAULT 0,
    errors              INTEGER NOT NULL DEFAULT 0,
    checkpoint_store    INTEGER,
    checkpoint_user     INTEGER,
    owner               TEXT    NOT NULL DEFAULT '',
    message             TEXT,
    started_at          INTEGER NOT NULL,
    finished_at         INTEGER,
    heartbeat_at        INTEGER NOT NULL
);
CREATE INDEX backfill_runs_store ON backfill_runs (store_id, id);
CREATE INDEX backfill_runs_running ON backfill_runs (status) WHERE status = 'running';

CREATE TABLE backfill_errors (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES backfill_runs (id) ON DELETE CASCADE,
    store_id     INTEGER NOT NULL,
    source_table TEXT    NOT NULL,
    source_id    TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX backfill_errors_run ON backfill_errors (run_id, id);

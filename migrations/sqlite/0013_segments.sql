-- A segment: a store's saved, named filter. The definition is JSON (the
-- `domain::segment::Group` form); membership is computed when read, never
-- stored, so nothing here goes stale.
CREATE TABLE segments (
    id              INTEGER PRIMARY KEY,
    store_id        INTEGER NOT NULL REFERENCES stores (id),
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_normalized TEXT    NOT NULL CHECK (length(name_normalized) BETWEEN 1 AND 400),
    definition      TEXT    NOT NULL CHECK (length(definition) BETWEEN 2 AND 20000),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (store_id, name_normalized),
    UNIQUE (store_id, id)
);

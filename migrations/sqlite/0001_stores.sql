-- A store of the platform: the tenant every other row belongs to.
CREATE TABLE stores (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency   TEXT    NOT NULL CHECK (length(currency) = 3),
    created_at INTEGER NOT NULL
);
CREATE INDEX stores_name ON stores (name);

-- People who sign in: store owners, members and platform admins. Distinct
-- from `users` (the platform's students and buyers).
CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    email            TEXT    NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    email_normalized TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL,
    is_admin         INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at       INTEGER NOT NULL
);

-- Who may open a store: its owner and its members.
CREATE TABLE store_members (
    store_id   INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, account_id)
);
CREATE INDEX store_members_account ON store_members (account_id);
-- At most one owner per store.
CREATE UNIQUE INDEX store_members_one_owner ON store_members (store_id) WHERE role = 'owner';

-- Sign-in sessions, kept in the database so they survive restarts and work
-- across several app servers. `data` is the session library's record.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins, per account email and per client address, for throttling.
CREATE TABLE sign_in_failures (
    subject   TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, failed_at);

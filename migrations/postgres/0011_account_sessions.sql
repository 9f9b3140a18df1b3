-- Accounts hardening (issue 14).
--
-- `session_generation`: a session is valid only while it carries the
-- account's current generation. Changing or resetting the password bumps it,
-- which ends every session signed in before, on every app server at once.
ALTER TABLE accounts ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;

-- Sign-in attempts counted per subject (an account email or a client
-- address) in a fixed window, one row per subject. The attempt is counted by
-- one atomic upsert BEFORE the password is checked, so parallel attempts
-- cannot all slip in under the limit, and every app server on this database
-- shares the count. Replaces `sign_in_failures` (read, then verify, then
-- write: a burst of parallel attempts was verified in full).
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_attempts (
    subject      TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    attempts     BIGINT  NOT NULL CHECK (attempts >= 0)
);
CREATE INDEX sign_in_attempts_window ON sign_in_attempts (window_start);

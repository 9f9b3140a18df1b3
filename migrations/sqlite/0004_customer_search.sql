-- The customers page: substring search and keyset pagination.
--
-- Search: an FTS5 trigram index over customers.search_text (lowercased name,
-- email and the titles of every course and product the customer has). It is
-- an external-content table (the text is stored once, in `customers`) kept in
-- step by the triggers below, so both the live derivation and the bulk paths
-- update it inside their own transactions. Trigram matching answers any
-- substring of three characters or more through the index; shorter queries
-- fall back to LIKE (see db/src/customers/search.rs).
CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');

CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;

CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- Keyset pagination: every sort is (store_id, key, id). SQLite ends each index
-- with the rowid (customers.id), so the 0002 indexes on total_spent_cents,
-- last_activity_at and joined_at already serve; the name sort uses an
-- expression (customers without a name sort as '').
CREATE INDEX customers_store_name_key ON customers (store_id, COALESCE(name, ''));

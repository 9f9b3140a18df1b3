-- Search scoped to one store inside the index, and prefix search for short
-- terms.
--
-- customers_fts (0004) indexed search_text alone, so a common word (a course
-- title every store sells) matched customers of every store, and each match
-- had to be looked up in `customers` only to be dropped for its store. The
-- index now also holds a store tag ('#<store id>#', one trigram for stores
-- 1-9, and never a trigram of search_text, which has no '#'-delimited
-- numbers of that shape in its own column): a query ANDs the term with its
-- store's tag and gets that store's matches only.
ALTER TABLE customers ADD COLUMN store_tag TEXT
    GENERATED ALWAYS AS ('#' || store_id || '#') VIRTUAL;

DROP TRIGGER customers_fts_insert;
DROP TRIGGER customers_fts_delete;
DROP TRIGGER customers_fts_update;
DROP TABLE customers_fts;

CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text,
    store_tag,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');

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

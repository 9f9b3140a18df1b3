-- Search scoped to one store inside the index, and prefix search for short
-- terms.
--
-- customers_search_trgm (0004) indexed search_text alone, so a common word (a
-- course title every store sells) matched customers of every store, and each
-- match was fetched only to be dropped for its store. With btree_gin the GIN
-- index also holds store_id: the bitmap is that store's matches only.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX customers_store_search_trgm ON customers
    USING gin (store_id, search_text gin_trgm_ops);
DROP INDEX customers_search_trgm;

-- Terms of one or two characters match the start of the name or the email
-- as byte ranges (COLLATE "C", as the name index already is).
CREATE INDEX customers_store_email_c ON customers (store_id, (email_normalized COLLATE "C"));

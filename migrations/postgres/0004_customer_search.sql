-- The customers page: substring search and keyset pagination.
--
-- Search: a pg_trgm GIN index over customers.search_text (lowercased name,
-- email and the titles of every course and product the customer has), which
-- answers `search_text ILIKE '%term%'` for terms of three characters or more.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);

-- Keyset pagination: every sort is (store_id, key, id), so a page is one
-- index range scan however deep it is. These replace the 0002 indexes on the
-- same keys without the id tie-breaker. Names sort byte-wise (COLLATE "C", as
-- SQLite's BINARY does), customers without a name as ''.
CREATE INDEX customers_store_spent_id ON customers (store_id, total_spent_cents, id);
CREATE INDEX customers_store_activity_id ON customers (store_id, last_activity_at, id);
CREATE INDEX customers_store_joined_id ON customers (store_id, joined_at, id);
CREATE INDEX customers_store_name_key ON customers (store_id, (COALESCE(name, '') COLLATE "C"), id);
DROP INDEX customers_store_spent;
DROP INDEX customers_store_activity;
DROP INDEX customers_store_joined;
DROP INDEX customers_store_name;

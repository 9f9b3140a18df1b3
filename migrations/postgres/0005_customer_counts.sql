-- The customers page's counts (the matching total and the type chips) with
-- a range filter: the keyset indexes of 0004 carry type and the other filter
-- columns, so a count over a range is an index-only scan.
CREATE INDEX customers_store_spent_cover ON customers (store_id, total_spent_cents, id)
    INCLUDE (type, has_active_subscription, last_activity_at, joined_at);
CREATE INDEX customers_store_activity_cover ON customers (store_id, last_activity_at, id)
    INCLUDE (type, has_active_subscription, total_spent_cents, joined_at);
CREATE INDEX customers_store_joined_cover ON customers (store_id, joined_at, id)
    INCLUDE (type, has_active_subscription, last_activity_at, total_spent_cents);
DROP INDEX customers_store_spent_id;
DROP INDEX customers_store_activity_id;
DROP INDEX customers_store_joined_id;

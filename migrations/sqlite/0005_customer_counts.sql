-- The customers page's counts (the matching total and the type chips) with
-- a range filter: covering indexes, so counting a range never reads the
-- table. Each leads with a range column and carries type and the other
-- filter columns. The 0002/0004 indexes stay for ordering (their ties are
-- broken by id, which the pages' keyset needs).
CREATE INDEX customers_store_spent_cover ON customers
    (store_id, total_spent_cents, type, has_active_subscription, last_activity_at, joined_at);
CREATE INDEX customers_store_activity_cover ON customers
    (store_id, last_activity_at, type, has_active_subscription, total_spent_cents, joined_at);
CREATE INDEX customers_store_joined_cover ON customers
    (store_id, joined_at, type, has_active_subscription, last_activity_at, total_spent_cents);

-- The stats cards' revenue per currency: a store's totals come off this
-- index already grouped by currency, without reading the table or sorting
-- (the primary key is ordered by user, so the sum needed a sort per page load).
CREATE INDEX customer_totals_store_currency ON customer_totals (store_id, currency, net_cents);

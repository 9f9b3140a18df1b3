-- The segments' engagement rule ("not opened any campaign in 30 days",
-- "received campaign 12") reads a store's opens, clicks and deliveries by
-- kind and time, answering customer ids: each is one range of a covering
-- index.
CREATE INDEX campaign_events_store_kind_at ON campaign_events (store_id, kind, at, customer_id);
CREATE INDEX campaign_messages_store_sent ON campaign_messages (store_id, status, sent_at, customer_id);

-- Segments read customers by type and last activity together ("leads
-- inactive for 30 days") and enrollments by course and progress ("below
-- 50 %"): both become one range of a covering index. The (store, type)
-- index is the new one's prefix, so it goes. A fact counts for its
-- identity's customer; a customer's id is its anchor identity's, so only
-- the few identities merged into another customer need a lookup: they get
-- an index of their own.
DROP INDEX customers_store_type;
CREATE INDEX customers_store_type_activity ON customers
    (store_id, type, last_activity_at, id, has_active_subscription, total_spent_cents, joined_at);
CREATE INDEX enrollments_store_course_progress ON enrollments
    (store_id, course_id, progress, identity_id);
CREATE INDEX identities_merged ON identities (store_id, id, customer_id)
    WHERE customer_id <> id;

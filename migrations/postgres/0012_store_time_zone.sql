-- The time zone a store's dates are shown in (an IANA name, checked by the
-- server against its compiled-in zone database). Existing stores: UTC,
-- which is what every page showed until now.
ALTER TABLE stores ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

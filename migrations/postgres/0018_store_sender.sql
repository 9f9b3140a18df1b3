-- A store's own sender address for its campaigns; NULL: the server's
-- MAIL_FROM. The SMTP server must accept it (an owner sets it for a domain
-- the mail provider lets this server send for).
ALTER TABLE stores ADD COLUMN mail_from TEXT CHECK (mail_from IS NULL OR length(mail_from) <= 254);

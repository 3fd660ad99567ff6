-- Up Migration
-- First start without BOOTSTRAP_ADMIN_PASSWORD creates `admin` with a generated one-time password
-- that is printed once in the log. Such a password must be replaced at the first sign-in: until
-- then the account's sessions may only change the password, read who they are, or sign out.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE users DROP COLUMN must_change_password;

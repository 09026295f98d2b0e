-- When each person's password last changed: access tokens issued before it stop working (as the
-- sessions signed in with the old password end). Kept by the database on every path.
ALTER TABLE members ADD COLUMN password_changed_at timestamptz;
ALTER TABLE contacts ADD COLUMN password_changed_at timestamptz;

CREATE FUNCTION note_password_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        NEW.password_changed_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER members_password_changed BEFORE UPDATE OF password_hash ON members
    FOR EACH ROW EXECUTE FUNCTION note_password_change();
CREATE TRIGGER contacts_password_changed BEFORE UPDATE OF password_hash ON contacts
    FOR EACH ROW EXECUTE FUNCTION note_password_change();

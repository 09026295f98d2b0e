-- A helpdesk always keeps a master admin: demoting or archiving the last live one fails
-- (`members_last_master_admin`), whoever asks and by whatever path. A per-tenant lock makes two
-- master admins demoting each other at once wait for each other, so the second sees the first's
-- change and fails.
CREATE FUNCTION keep_a_master_admin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('members_last_master_admin'), hashtext(NEW.tenant_id::text));
    IF NOT EXISTS (SELECT 1 FROM members
                   WHERE tenant_id = NEW.tenant_id AND id <> NEW.id AND role = 'master_admin'
                     AND archived_at IS NULL) THEN
        RAISE EXCEPTION 'a helpdesk keeps at least one master admin'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'members_last_master_admin';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER members_keep_a_master_admin BEFORE UPDATE OF role, archived_at ON members
    FOR EACH ROW
    WHEN (OLD.role = 'master_admin' AND OLD.archived_at IS NULL
          AND (NEW.role <> 'master_admin' OR NEW.archived_at IS NOT NULL))
    EXECUTE FUNCTION keep_a_master_admin();

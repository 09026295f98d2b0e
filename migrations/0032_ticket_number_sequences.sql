-- Ticket and note numbers come from one sequence per tenant instead of a counter row: taking a
-- number never waits for another transaction (the counter row was held until commit, so one
-- tenant's new tickets and notes were written one at a time). A number taken by a transaction
-- that fails is not reused, so numbers may skip; they never repeat.
CREATE FUNCTION create_number_sequences(tenant bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    used bigint;
BEGIN
    FOREACH kind IN ARRAY ARRAY['ticket', 'ticket_note'] LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS ids_%s_%s AS integer', kind, tenant);
        SELECT last_value INTO used FROM id_counters c WHERE c.tenant_id = tenant AND c.entity = kind;
        IF coalesce(used, 0) > 0 THEN
            PERFORM setval(format('ids_%s_%s', kind, tenant), used);
        END IF;
    END LOOP;
    DELETE FROM id_counters c WHERE c.tenant_id = tenant AND c.entity IN ('ticket', 'ticket_note');
END $$;

CREATE FUNCTION tenant_number_sequences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM create_number_sequences(NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_number_sequences AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenant_number_sequences();

SELECT create_number_sequences(id) FROM tenants;

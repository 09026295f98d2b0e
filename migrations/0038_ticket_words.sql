-- Ticket search by words. Every distinct word (an English stem, as in the `search` columns) of a
-- ticket's summary, description and notes is a row here, indexed both ways: a word's tickets are
-- counted and listed, and one ticket is checked for a word, by index-only scans. The GIN indexes
-- this replaces found a word's tickets but then read each one's row to filter and order it.
CREATE TABLE ticket_words (
    tenant_id bigint NOT NULL,
    ticket_id integer NOT NULL,
    -- Byte order, so a prefix is one index range.
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id, word),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO ticket_words (tenant_id, ticket_id, word)
SELECT tenant_id, id, unnest(tsvector_to_array(search)) FROM tickets
UNION
SELECT tenant_id, ticket_id, unnest(tsvector_to_array(search)) FROM ticket_notes;
CREATE INDEX ticket_words_by_word ON ticket_words (tenant_id, word, ticket_id);

-- Searches leave archived tickets out by looking each match up here.
CREATE INDEX tickets_archived ON tickets (tenant_id, id) WHERE archived_at IS NOT NULL;

DROP INDEX tickets_search;
DROP INDEX ticket_notes_search;

-- New tickets and notes add their words (statement triggers, so a bulk insert adds them in one go).
CREATE FUNCTION add_ticket_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        INSERT INTO ticket_words (tenant_id, ticket_id, word)
        SELECT DISTINCT tenant_id, id, unnest(tsvector_to_array(search)) FROM new_rows
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO ticket_words (tenant_id, ticket_id, word)
        SELECT DISTINCT tenant_id, ticket_id, unnest(tsvector_to_array(search)) FROM new_rows
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_words_of_new_tickets AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION add_ticket_words();
CREATE TRIGGER ticket_words_of_new_notes AFTER INSERT ON ticket_notes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION add_ticket_words();

-- An edited summary or description, an edited or deleted note, or notes moved by a merge: the
-- ticket's words are worked out again (rare, one ticket at a time).
CREATE FUNCTION refresh_ticket_words(tenant bigint, ticket integer) RETURNS void LANGUAGE sql AS $$
    WITH words AS (
        SELECT unnest(tsvector_to_array(search)) COLLATE "C" AS word FROM tickets
        WHERE tenant_id = tenant AND id = ticket
        UNION
        SELECT unnest(tsvector_to_array(search)) FROM ticket_notes
        WHERE tenant_id = tenant AND ticket_id = ticket
    ), gone AS (
        DELETE FROM ticket_words w WHERE w.tenant_id = tenant AND w.ticket_id = ticket
          AND w.word NOT IN (SELECT word FROM words)
    )
    INSERT INTO ticket_words (tenant_id, ticket_id, word)
    SELECT tenant, ticket, word FROM words ON CONFLICT DO NOTHING;
$$;
CREATE FUNCTION refresh_words_of_changed_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        PERFORM refresh_ticket_words(NEW.tenant_id, NEW.id);
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM refresh_ticket_words(OLD.tenant_id, OLD.ticket_id);
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id THEN
            PERFORM refresh_ticket_words(NEW.tenant_id, NEW.ticket_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_words_of_edited_tickets AFTER UPDATE OF summary, description ON tickets
    FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search)
    EXECUTE FUNCTION refresh_words_of_changed_text();
CREATE TRIGGER ticket_words_of_edited_notes AFTER UPDATE OF body, ticket_id ON ticket_notes
    FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search OR OLD.ticket_id <> NEW.ticket_id)
    EXECUTE FUNCTION refresh_words_of_changed_text();
CREATE TRIGGER ticket_words_of_deleted_notes AFTER DELETE ON ticket_notes
    FOR EACH ROW EXECUTE FUNCTION refresh_words_of_changed_text();

-- Full-text search over tickets (summary and description) and their notes.
ALTER TABLE tickets
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', summary || ' ' || description)) STORED;
CREATE INDEX tickets_search ON tickets USING gin (search);

ALTER TABLE ticket_notes
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED;
CREATE INDEX ticket_notes_search ON ticket_notes USING gin (search);

-- A ticket merged into another points to the survivor.
ALTER TABLE tickets ADD COLUMN merged_into int;

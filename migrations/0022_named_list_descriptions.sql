-- Sources and tags get the description column categories and service groups have, so the four
-- named lists are one shape and every statement on them is one static statement per table.
ALTER TABLE sources ADD COLUMN description text NOT NULL DEFAULT '';
ALTER TABLE tags ADD COLUMN description text NOT NULL DEFAULT '';

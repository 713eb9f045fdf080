-- Catalog import: where a title came from, so a rescan never overwrites an editor's title,
-- and what the scanner last saw of the file.

ALTER TABLE contents
    ADD COLUMN title_source     text NOT NULL DEFAULT 'generated'
                                CHECK (title_source IN ('generated', 'manual')),
    ADD COLUMN title_confidence real CHECK (title_confidence BETWEEN 0 AND 1),
    ADD COLUMN file_mtime       timestamptz,
    ADD COLUMN missing_since    timestamptz;

-- Series are found again by their natural key on every scan.
CREATE UNIQUE INDEX series_natural_key ON series (coalesce(brand, ''), coalesce(year, 0), title);

CREATE INDEX contents_title_idx ON contents (lower(title), id);
CREATE INDEX contents_year_created_idx ON contents (year DESC NULLS LAST, created_at DESC, id DESC);

-- Progress updates carry the player's clock (ms); an older update never overwrites a newer one.
ALTER TABLE watch_progress ADD COLUMN client_ts bigint NOT NULL DEFAULT 0;

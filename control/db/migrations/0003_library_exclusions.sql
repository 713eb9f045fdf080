-- Files an admin deleted from the catalog: scans skip them (the file stays on the NAS), until
-- an admin catalogues the same path again.
CREATE TABLE library_exclusions (
    file_path   text PRIMARY KEY,
    excluded_at timestamptz NOT NULL DEFAULT now()
);

-- The SSD hot cache (the hot_cache block): one row per verified copy on the SSD. The file
-- system is the truth of what the edge serves; this is the cache's record of what it put
-- there (content, size, the NAS mtime it copied, the hash it verified, when), which it
-- reconciles with the file system when it evicts.

CREATE TABLE hot_copies (
    file_path   text PRIMARY KEY,          -- relative to NAS_ROOT and SSD_CACHE_ROOT
    content_id  bigint NOT NULL,
    size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
    mtime_ns    bigint NOT NULL,
    digest      text NOT NULL,
    cached_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hot_copies_content_idx ON hot_copies (content_id);

-- Background jobs (the worker block): the state of record of every job. Redis Streams carry
-- only job ids; a job row says what the job is, where it stands, and which run may write it.

CREATE TABLE jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type             text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*$'),
    queue            text NOT NULL CHECK (queue ~ '^[a-z][a-z0-9_]*$'),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead',
                                       'cancelled')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer NOT NULL CHECK (max_attempts >= 1),
    progress_done    bigint NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
    progress_total   bigint NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
    payload          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
    result           jsonb CHECK (result IS NULL OR jsonb_typeof(result) = 'object'),
    error_code       text,
    error            text,
    -- The same work enqueued twice is one job while it is unfinished (index below).
    dedup_key        text,
    cancel_requested boolean NOT NULL DEFAULT false,
    -- Each dispatch onto a stream (first run, retry, re-dispatch) is one generation; a
    -- stream message names the generation it carries, so a stale message never starts a job.
    generation       integer NOT NULL DEFAULT 1,
    message_id       text,      -- the stream entry of the current generation (NULL: none yet)
    run_id           uuid,      -- fencing token of the current run: only it may write results
    worker           text,
    run_after        timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_dedup_unfinished ON jobs (dedup_key)
    WHERE status IN ('queued', 'running');
CREATE INDEX jobs_status_idx ON jobs (status, id DESC);
CREATE INDEX jobs_type_idx ON jobs (type, id DESC);
CREATE INDEX jobs_unfinished_idx ON jobs (run_after) WHERE status IN ('queued', 'running');

-- What the probe job read from a content's file (container, codecs, frame rate, bitrate,
-- keyframe interval, audio tracks), or why it could not; thumbnail_path (the poster) and
-- storyboard_path (its WebVTT index) are relative to THUMBNAIL_ROOT.
ALTER TABLE contents
    ADD COLUMN media           jsonb CHECK (media IS NULL OR jsonb_typeof(media) = 'object'),
    ADD COLUMN media_error     text,
    ADD COLUMN probed_at       timestamptz,
    ADD COLUMN storyboard_path text;

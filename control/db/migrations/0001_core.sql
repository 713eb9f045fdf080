-- Core schema: accounts and their refresh-token sessions, the catalog (series, contents,
-- best hands) and watch progress.

CREATE TABLE users (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                   text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    username                text NOT NULL CHECK (length(username) BETWEEN 2 AND 50),
    password_hash           text NOT NULL,
    role                    text NOT NULL DEFAULT 'user'
                            CHECK (role IN ('user', 'moderator', 'admin')),
    status                  text NOT NULL DEFAULT 'active'
                            CHECK (status IN ('pending', 'active', 'suspended')),
    subscription_tier       text NOT NULL DEFAULT 'free'
                            CHECK (subscription_tier IN ('free', 'premium')),
    subscription_expires_at timestamptz,
    last_login_at           timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness: "Alice@x.org" and "alice@x.org" are one account.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_status_idx ON users (status);
CREATE INDEX users_created_at_idx ON users (created_at);

-- Refresh tokens: only a SHA-256 of the opaque token is stored. A rotation creates a child
-- in the same family; presenting a used token revokes the family (reuse detection).
CREATE TABLE refresh_sessions (
    id             uuid PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id      uuid NOT NULL,
    parent_id      uuid REFERENCES refresh_sessions (id) ON DELETE SET NULL,
    token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    revoked_at     timestamptz,
    revoked_reason text,
    user_agent     text,
    ip             inet,
    CHECK (expires_at > created_at)
);
CREATE INDEX refresh_sessions_user_idx ON refresh_sessions (user_id);
CREATE INDEX refresh_sessions_family_idx ON refresh_sessions (family_id);
CREATE INDEX refresh_sessions_expires_idx ON refresh_sessions (expires_at);

CREATE TABLE series (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title       text NOT NULL,
    brand       text,
    year        integer CHECK (year BETWEEN 1970 AND 2100),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_brand_year_idx ON series (brand, year);

CREATE TABLE contents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series_id        bigint REFERENCES series (id) ON DELETE SET NULL,
    title            text NOT NULL CHECK (length(title) > 0),
    short_title      text,
    description      text NOT NULL DEFAULT '',
    duration_seconds double precision CHECK (duration_seconds >= 0),
    -- Relative to NAS_ROOT (and SSD_CACHE_ROOT): the path a stream token's `p` names.
    file_path        text NOT NULL UNIQUE
                     CHECK (file_path <> '' AND file_path !~ '(^|/)\.\.(/|$)' AND left(file_path, 1) <> '/'),
    file_size        bigint CHECK (file_size >= 0),
    brand            text,
    event_type       text,
    year             integer CHECK (year BETWEEN 1970 AND 2100),
    quality          text,
    thumbnail_path   text,
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contents_series_idx ON contents (series_id);
CREATE INDEX contents_created_at_idx ON contents (created_at DESC, id DESC);
CREATE INDEX contents_brand_year_idx ON contents (brand, year);
CREATE INDEX contents_event_type_idx ON contents (event_type);
CREATE INDEX contents_year_idx ON contents (year);

CREATE TABLE best_hands (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_id    bigint NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    hand_index    integer NOT NULL CHECK (hand_index >= 0),
    start_seconds double precision NOT NULL CHECK (start_seconds >= 0),
    end_seconds   double precision NOT NULL,
    category      text,
    title         text NOT NULL DEFAULT '',
    players       text[] NOT NULL DEFAULT '{}',
    pot_size      numeric(14, 2) CHECK (pot_size >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (content_id, hand_index),
    CHECK (end_seconds > start_seconds)
);
CREATE INDEX best_hands_category_idx ON best_hands (category);

CREATE TABLE watch_progress (
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id       bigint NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    position_seconds double precision NOT NULL CHECK (position_seconds >= 0),
    duration_seconds double precision NOT NULL CHECK (duration_seconds > 0),
    completed        boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, content_id)
);
-- Continue Watching: a user's unfinished items, most recent first.
CREATE INDEX watch_progress_continue_idx ON watch_progress (user_id, updated_at DESC)
    WHERE NOT completed;
CREATE INDEX watch_progress_content_idx ON watch_progress (content_id);

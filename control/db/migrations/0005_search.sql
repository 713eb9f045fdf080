-- The search block's PostgreSQL index: a read model of contents, series and best_hands,
-- written only by the search block (incrementally, from content events).

-- One row per available content. `document` holds lexemes the block builds itself (never
-- PostgreSQL's parser or dictionaries): the folded words of every field; the same words
-- prefixed "m:" for the title, players, event, series and year, and "t:" for the title
-- (the relevance tiers); the filters "y:<year>", "b:<brand>", "e:<event type>"; and "x:<key>"
-- for each suggestion the content yields. One GIN index answers every part of a query.
CREATE TABLE search_documents (
    content_id bigint PRIMARY KEY,
    document   tsvector NOT NULL,
    popularity integer NOT NULL DEFAULT 0 CHECK (popularity >= 0),  -- started streams, 7 days
    created_at timestamptz NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_documents_document_idx ON search_documents USING gin (document);
-- Broad queries walk the documents in this order (popularity, then recency) and stop early.
CREATE INDEX search_documents_rank_idx
    ON search_documents (popularity DESC, created_at DESC, content_id DESC);
CREATE INDEX search_documents_indexed_idx ON search_documents (indexed_at);

-- Every plain word of the index with the number of documents holding it: what a query word
-- is checked and corrected against. Byte order ("C"), so a prefix is a range scan.
CREATE TABLE search_lexicon (
    word      text COLLATE "C" PRIMARY KEY,
    documents integer NOT NULL
);

-- Typo lookup by symmetric deletion: each lexicon word of 4+ letters under every spelling
-- with up to one (8+ letters: two) letters deleted. A query word's own deletions meet these
-- for every word within its edit budget; the edit distance then decides.
CREATE TABLE search_deletions (
    variant text COLLATE "C" NOT NULL,
    word    text COLLATE "C" NOT NULL REFERENCES search_lexicon (word) ON DELETE CASCADE,
    PRIMARY KEY (variant, word)
);
CREATE INDEX search_deletions_word_idx ON search_deletions (word);

-- Players, events and series to suggest while typing, with how many documents name them and
-- the sum of those documents' popularity.
CREATE TABLE search_suggestions (
    key        text COLLATE "C" PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('player', 'event', 'series')),
    text       text NOT NULL,
    words      tsvector NOT NULL,
    documents  integer NOT NULL,
    popularity bigint NOT NULL DEFAULT 0
);
CREATE INDEX search_suggestions_words_idx ON search_suggestions USING gin (words);

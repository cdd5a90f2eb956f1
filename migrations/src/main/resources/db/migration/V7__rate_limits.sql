-- Per-project rate limits (OpenAI's project rate limits), optionally per model ('*': every model together), and the
-- counters that enforce them. Every replica admits a request with one upsert on the counter row of the current
-- minute, so replicas sharing the database share one limit. Windows are fixed minutes: at a minute's boundary a
-- client can get up to twice the limit within 60 s, never more than the limit within one window.
CREATE TABLE project_rate_limits (
    project_id                text    NOT NULL REFERENCES projects (id),
    model                     text    NOT NULL DEFAULT '*' CHECK (char_length(model) BETWEEN 1 AND 128),
    max_requests_per_1_minute integer CHECK (max_requests_per_1_minute > 0),
    max_tokens_per_1_minute   bigint  CHECK (max_tokens_per_1_minute > 0),
    PRIMARY KEY (project_id, model)
);

-- Requests and tokens admitted in one minute (tokens: prompt + max_tokens reserved at admission, corrected to what
-- was used when the request ends). Rows older than a few minutes are deleted.
CREATE TABLE rate_limit_windows (
    project_id   text        NOT NULL REFERENCES projects (id),
    model        text        NOT NULL,
    window_start timestamptz NOT NULL,
    requests     bigint      NOT NULL DEFAULT 0 CHECK (requests >= 0),
    tokens       bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, model, window_start)
);
CREATE INDEX rate_limit_windows_by_start ON rate_limit_windows (window_start);

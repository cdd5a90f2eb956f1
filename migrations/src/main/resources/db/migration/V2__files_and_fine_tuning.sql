-- Files (OpenAI /v1/files) and fine-tuning jobs with their events and checkpoints.

CREATE TABLE files (
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              text        PRIMARY KEY CHECK (id ~ '^file-[0-9A-Za-z]+$'),
    purpose         text        NOT NULL CHECK (purpose IN ('fine-tune', 'fine-tune-results', 'batch', 'batch_output',
                                                            'assistants', 'assistants_output', 'vision', 'user_data',
                                                            'evals')),
    filename        text        NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 512),
    bytes           bigint      NOT NULL CHECK (bytes >= 0),
    artifact_sha256 text        NOT NULL REFERENCES artifacts (sha256),
    status          text        NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'processed', 'error', 'deleted')),
    status_details  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    deleted_at      timestamptz
);
CREATE INDEX files_listing ON files (seq) WHERE status <> 'deleted';
CREATE INDEX files_by_artifact ON files (artifact_sha256);

-- A fine-tuning job. Workers claim queued jobs with
--   SELECT … FROM fine_tuning_jobs WHERE status = 'queued' ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT 1
-- then set claimed_by and a lease they keep renewing; a job whose lease expired while running is requeued.
CREATE TABLE fine_tuning_jobs (
    seq                    bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id                     text        PRIMARY KEY CHECK (id ~ '^ftjob-[0-9A-Za-z]+$'),
    base_model             text        NOT NULL REFERENCES base_models (id),
    training_file          text        NOT NULL REFERENCES files (id),
    validation_file        text        REFERENCES files (id),
    method                 jsonb       NOT NULL,
    hyperparameters        jsonb       NOT NULL,
    suffix                 text        CHECK (char_length(suffix) <= 64),
    seed                   bigint      NOT NULL,
    metadata               jsonb       NOT NULL DEFAULT '{}',
    status                 text        NOT NULL CHECK (status IN ('validating_files', 'queued', 'running', 'paused',
                                                                  'succeeded', 'failed', 'cancelled')),
    error                  jsonb,
    fine_tuned_adapter     text        REFERENCES adapters (id),
    trained_tokens         bigint      CHECK (trained_tokens >= 0),
    result_files           text[]      NOT NULL DEFAULT '{}',
    cancel_requested       boolean     NOT NULL DEFAULT false,
    claimed_by             text,
    lease_expires_at       timestamptz,
    attempts               integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    batch_job_execution_id bigint,
    created_at             timestamptz NOT NULL DEFAULT now(),
    started_at             timestamptz,
    finished_at            timestamptz,
    estimated_finish       timestamptz,
    CONSTRAINT fine_tuning_jobs_claim CHECK ((claimed_by IS NULL) = (lease_expires_at IS NULL))
);
CREATE INDEX fine_tuning_jobs_queue ON fine_tuning_jobs (seq) WHERE status = 'queued';
CREATE INDEX fine_tuning_jobs_leases ON fine_tuning_jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX fine_tuning_jobs_listing ON fine_tuning_jobs (seq);

-- Lineage: the job that produced an adapter version (its source JSON repeats the training file and hyperparameters).
ALTER TABLE adapters ADD COLUMN fine_tuning_job text REFERENCES fine_tuning_jobs (id);
CREATE INDEX adapters_by_fine_tuning_job ON adapters (fine_tuning_job) WHERE fine_tuning_job IS NOT NULL;

-- Job events (OpenAI fine_tuning.job.event): messages and metrics, newest first by seq.
CREATE TABLE fine_tuning_job_events (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE CHECK (id ~ '^ftevent-[0-9A-Za-z]+$'),
    job_id     text        NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    level      text        NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    type       text        NOT NULL DEFAULT 'message' CHECK (type IN ('message', 'metrics')),
    message    text        NOT NULL,
    data       jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fine_tuning_job_events_by_job ON fine_tuning_job_events (job_id, seq);

-- Checkpoints (OpenAI fine_tuning.job.checkpoint): metrics at a step, the weights as an artifact, and the
-- adapter version registered from them when there is one.
CREATE TABLE fine_tuning_checkpoints (
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              text        PRIMARY KEY CHECK (id ~ '^ftckpt-[0-9A-Za-z]+$'),
    job_id          text        NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    step_number     integer     NOT NULL CHECK (step_number >= 0),
    metrics         jsonb       NOT NULL DEFAULT '{}',
    artifact_sha256 text        REFERENCES artifacts (sha256),
    adapter_id      text        REFERENCES adapters (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fine_tuning_checkpoints_step UNIQUE (job_id, step_number)
);
CREATE INDEX fine_tuning_checkpoints_by_artifact ON fine_tuning_checkpoints (artifact_sha256)
    WHERE artifact_sha256 IS NOT NULL;

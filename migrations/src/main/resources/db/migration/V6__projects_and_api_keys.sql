-- Projects and API keys: every file, fine-tuning job, adapter (all versions) and usage row belongs to a project, and
-- every request to /v1 proves with a key which project it acts for. Existing data moves into project proj_default.

-- One organization per installation; projects are its tenants. Archived projects keep their data but their keys no
-- longer authenticate.
CREATE TABLE projects (
    seq                             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id                              text        PRIMARY KEY CHECK (id ~ '^proj_[0-9A-Za-z]{1,40}$'),
    name                            text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 256),
    status                          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    -- base models the project may use (null: every configured base model)
    allowed_base_models             text[],
    -- quotas (null: unlimited)
    max_concurrent_fine_tuning_jobs integer     CHECK (max_concurrent_fine_tuning_jobs > 0),
    max_stored_bytes                bigint      CHECK (max_stored_bytes > 0),
    created_at                      timestamptz NOT NULL DEFAULT now(),
    archived_at                     timestamptz,
    CONSTRAINT projects_archived_at CHECK ((status = 'archived') = (archived_at IS NOT NULL))
);
INSERT INTO projects (id, name) VALUES ('proj_default', 'Default project');

-- API keys. Only the SHA-256 of a secret is stored (secrets are 256-bit random, so a fast hash is enough); the
-- secret itself is shown once, when the key is created. Admin keys (sk-admin-…) belong to no project and manage
-- projects and keys; project keys (sk-proj-…) act for their project with permission all or read_only.
CREATE TABLE api_keys (
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             text        PRIMARY KEY CHECK (id ~ '^key_[0-9A-Za-z]{1,40}$'),
    kind           text        NOT NULL CHECK (kind IN ('project', 'admin')),
    project_id     text        REFERENCES projects (id),
    name           text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 256),
    permission     text        NOT NULL DEFAULT 'all' CHECK (permission IN ('all', 'read_only')),
    secret_sha256  text        NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
    redacted_value text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    CONSTRAINT api_keys_kind CHECK ((kind = 'admin') = (project_id IS NULL))
);
CREATE INDEX api_keys_by_project ON api_keys (project_id, seq) WHERE revoked_at IS NULL;

-- Every replica caches authenticated keys for a few seconds; a revoked key, a changed permission or an archived
-- project is published on channel api_key_events (the key's secret_sha256, or 'project:<id>') so that caches drop it
-- at once.
CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.permission IS DISTINCT FROM OLD.permission THEN
        PERFORM pg_notify('api_key_events', NEW.secret_sha256);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_notify AFTER UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_notify();

CREATE FUNCTION projects_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.allowed_base_models IS DISTINCT FROM OLD.allowed_base_models THEN
        PERFORM pg_notify('api_key_events', 'project:' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER projects_notify AFTER UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION projects_notify();

-- Ownership: existing rows go to the default project.
ALTER TABLE files ADD COLUMN project_id text REFERENCES projects (id);
UPDATE files SET project_id = 'proj_default';
ALTER TABLE files ALTER COLUMN project_id SET NOT NULL;
DROP INDEX files_listing;
CREATE INDEX files_listing ON files (project_id, seq) WHERE status <> 'deleted';

ALTER TABLE fine_tuning_jobs ADD COLUMN project_id text REFERENCES projects (id);
UPDATE fine_tuning_jobs SET project_id = 'proj_default';
ALTER TABLE fine_tuning_jobs ALTER COLUMN project_id SET NOT NULL;
DROP INDEX fine_tuning_jobs_listing;
CREATE INDEX fine_tuning_jobs_listing ON fine_tuning_jobs (project_id, seq);

-- Adapter names are unique per project: two projects may each own 'support-bot', and one project can never add a
-- version under another project's name.
ALTER TABLE adapter_names ADD COLUMN project_id text REFERENCES projects (id);
UPDATE adapter_names SET project_id = 'proj_default';
ALTER TABLE adapter_names ALTER COLUMN project_id SET NOT NULL;
ALTER TABLE adapters ADD COLUMN project_id text REFERENCES projects (id);
UPDATE adapters SET project_id = 'proj_default';
ALTER TABLE adapters ALTER COLUMN project_id SET NOT NULL;
ALTER TABLE adapters DROP CONSTRAINT adapters_name_fkey;
ALTER TABLE adapters DROP CONSTRAINT adapters_name_version;
ALTER TABLE adapter_names DROP CONSTRAINT adapter_names_pkey;
ALTER TABLE adapter_names ADD PRIMARY KEY (project_id, name);
ALTER TABLE adapters ADD CONSTRAINT adapters_name_version UNIQUE (project_id, name, version);
ALTER TABLE adapters ADD CONSTRAINT adapters_name_fkey FOREIGN KEY (project_id, name)
    REFERENCES adapter_names (project_id, name);
DROP INDEX adapters_listing;
CREATE INDEX adapters_listing ON adapters (project_id, seq) WHERE status <> 'deleted';
-- A version published to the organization can be served to (never versioned by) every project, by its id.
ALTER TABLE adapters ADD COLUMN visibility text NOT NULL DEFAULT 'private'
    CHECK (visibility IN ('private', 'organization'));

-- Usage per project and key (api_key_id is the key's id, key_…; older rows keep their hashed ids).
ALTER TABLE usage_hourly ADD COLUMN project_id text REFERENCES projects (id);
UPDATE usage_hourly SET project_id = 'proj_default';
ALTER TABLE usage_hourly ALTER COLUMN project_id SET NOT NULL;
DROP INDEX usage_hourly_key;
CREATE UNIQUE INDEX usage_hourly_key ON usage_hourly (hour, project_id, api_key_id, base_model,
    (coalesce(adapter_id, '')));
CREATE INDEX usage_hourly_by_project ON usage_hourly (project_id, hour);

-- Base models, content-addressed artifacts and PEFT adapters with immutable versions.
-- Forward-only: never edit a migration that has shipped; add a new V<n>__*.sql instead.

-- One row per base model the platform was configured with (patchwork.base-models.<id>.path), upserted at startup.
-- A model that is no longer configured stays (adapters reference it) but is marked inactive.
CREATE TABLE base_models (
    id          text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    path        text        NOT NULL,
    family      text        NOT NULL,
    num_layers  integer     NOT NULL CHECK (num_layers > 0),
    hidden_size integer     NOT NULL CHECK (hidden_size > 0),
    config      jsonb       NOT NULL,
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every blob in the object store, keyed by the sha256 of its bytes, so identical content is stored once.
-- Rows referencing an artifact: adapters, files, fine_tuning_checkpoints. An artifact that none of them
-- references any more (deleted rows do not count) is collected after a grace period: its object is removed
-- and collected_at is set; the row stays so that deleted rows keep their lineage. Uploading the same bytes
-- again revives it (collected_at back to null, the object stored again).
CREATE TABLE artifacts (
    sha256             text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    object_key         text        NOT NULL UNIQUE,
    size_bytes         bigint      NOT NULL CHECK (size_bytes >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_referenced_at timestamptz NOT NULL DEFAULT now(),
    collected_at       timestamptz
);
CREATE INDEX artifacts_collectable ON artifacts (last_referenced_at) WHERE collected_at IS NULL;

-- The version counter of each adapter name. Registering a version increments it with one
-- INSERT … ON CONFLICT DO UPDATE, which row-locks the name until commit: concurrent uploads under one name
-- get consecutive versions, a rolled-back upload gives its number back, and adapters (name, version) is unique.
CREATE TABLE adapter_names (
    name           text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    latest_version integer     NOT NULL CHECK (latest_version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- One immutable adapter version. Delete is soft (status 'deleted'); the weights are an artifact.
CREATE TABLE adapters (
    seq             bigint           GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              text             PRIMARY KEY CHECK (id ~ '^adp-[0-9a-z]{24}$'),
    name            text             NOT NULL REFERENCES adapter_names (name),
    version         integer          NOT NULL CHECK (version >= 1),
    base_model      text             NOT NULL REFERENCES base_models (id),
    status          text             NOT NULL CHECK (status IN ('ready', 'deleted')),
    rank            integer          NOT NULL CHECK (rank > 0),
    lora_alpha      double precision NOT NULL CHECK (lora_alpha > 0),
    use_rslora      boolean          NOT NULL,
    target_modules  text[]           NOT NULL,
    artifact_sha256 text             NOT NULL REFERENCES artifacts (sha256),
    size_bytes      bigint           NOT NULL CHECK (size_bytes > 0),
    adapter_config  text             NOT NULL,
    source          jsonb            NOT NULL,
    created_at      timestamptz      NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    CONSTRAINT adapters_name_version UNIQUE (name, version),
    CONSTRAINT adapters_deleted_at CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE INDEX adapters_listing ON adapters (seq) WHERE status <> 'deleted';
CREATE INDEX adapters_by_base_model ON adapters (base_model, seq) WHERE status <> 'deleted';
CREATE INDEX adapters_by_artifact ON adapters (artifact_sha256);

-- Change events for serving replicas: every new adapter version and every status change is published on
-- channel adapter_events when its transaction commits, as JSON {type, id, name, version, base_model, status}.
CREATE FUNCTION adapters_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM pg_notify('adapter_events', json_build_object(
            'type', CASE WHEN TG_OP = 'INSERT' THEN 'created'
                         WHEN NEW.status = 'deleted' THEN 'deleted'
                         ELSE 'updated' END,
            'id', NEW.id,
            'name', NEW.name,
            'version', NEW.version,
            'base_model', NEW.base_model,
            'status', NEW.status)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER adapters_notify
    AFTER INSERT OR UPDATE OF status ON adapters
    FOR EACH ROW EXECUTE FUNCTION adapters_notify();

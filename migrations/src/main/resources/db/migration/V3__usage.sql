-- Inference usage, aggregated per hour, API key, base model and adapter (null adapter: the base model alone).
-- Serving replicas add to a row with INSERT … ON CONFLICT (hour, api_key_id, base_model, (coalesce(adapter_id, '')))
-- DO UPDATE SET requests = usage_hourly.requests + excluded.requests, …
CREATE TABLE usage_hourly (
    hour              timestamptz NOT NULL,
    api_key_id        text        NOT NULL,
    base_model        text        NOT NULL REFERENCES base_models (id),
    adapter_id        text        REFERENCES adapters (id),
    requests          bigint      NOT NULL DEFAULT 0 CHECK (requests >= 0),
    failed_requests   bigint      NOT NULL DEFAULT 0 CHECK (failed_requests >= 0),
    prompt_tokens     bigint      NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens bigint      NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX usage_hourly_key ON usage_hourly (hour, api_key_id, base_model, (coalesce(adapter_id, '')));
CREATE INDEX usage_hourly_by_adapter ON usage_hourly (adapter_id, hour) WHERE adapter_id IS NOT NULL;
CREATE INDEX usage_hourly_by_key ON usage_hourly (api_key_id, hour);

-- Serving replicas announce themselves here: there is no cluster manager, so this table is how the api role knows
-- which replicas are alive and which adapters each one holds in memory (GET /v1/serving/replicas, and loaded_on
-- in an adapter's detail).
-- Each process with the serving role upserts its row every few seconds (heartbeat_at = the database's now(), so
-- replicas' clocks never matter) and deletes it when it shuts down cleanly. A row whose heartbeat is older than
-- 30 seconds is a replica that died: readers ignore it, and the api role deletes it after 10 minutes.
CREATE TABLE serving_replicas (
    id              text        PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 253),
    base_models     text[]      NOT NULL,
    -- adapter ids (adp-…) resident in the replica's adapter caches: device slots and host memory
    loaded_adapters text[]      NOT NULL,
    started_at      timestamptz NOT NULL,
    heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX serving_replicas_by_heartbeat ON serving_replicas (heartbeat_at);

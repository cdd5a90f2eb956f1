-- No garbage collected from under a job.
--
-- The artifacts a fine-tuning job stores for itself (tokenized data, checkpoints, the exported adapter and metrics)
-- are referenced by the job while it has not finished, so the collector keeps them however long the job waits or
-- runs; once the job succeeded, failed or was cancelled they are ordinary garbage after the grace period (what the
-- job keeps lives on in its checkpoints, result files and adapter). The files a live job trains on are kept the same
-- way, even when the client deleted them meanwhile.
CREATE TABLE fine_tuning_job_artifacts (
    job_id          text        NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    artifact_sha256 text        NOT NULL REFERENCES artifacts (sha256),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, artifact_sha256)
);
CREATE INDEX fine_tuning_job_artifacts_by_artifact ON fine_tuning_job_artifacts (artifact_sha256);
CREATE INDEX fine_tuning_jobs_by_training_file ON fine_tuning_jobs (training_file);
CREATE INDEX fine_tuning_jobs_by_validation_file ON fine_tuning_jobs (validation_file)
    WHERE validation_file IS NOT NULL;

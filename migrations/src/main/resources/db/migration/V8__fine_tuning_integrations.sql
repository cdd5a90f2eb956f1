-- OpenAI's job "integrations" (e.g. {"type": "wandb", "wandb": {"project": ...}}), stored as the client sent them
-- (validated, at most 5) and returned on the job.
ALTER TABLE fine_tuning_jobs ADD COLUMN integrations jsonb NOT NULL DEFAULT '[]';

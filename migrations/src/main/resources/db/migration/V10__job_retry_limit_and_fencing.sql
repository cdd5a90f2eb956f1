-- Jobs that cannot poison the queue.
--
-- claims_without_progress counts the claims of a job since it last made progress (a checkpoint stored, files
-- validated, or the job handed back on purpose). Every claim adds one; a worker that crashes, hangs or runs out of
-- memory leaves it standing, so a job that kills every worker that takes it reaches the workers' limit and is failed
-- by the next claim instead of blocking the queue.
--
-- attempts (the number of claims, V2) doubles as the lease's fencing token: every write a worker makes for a job
-- (events, checkpoint rows, status changes, registration) requires claimed_by and attempts to still be what its
-- claim returned, so a worker that lost its lease (paused, partitioned) changes nothing once another worker has
-- claimed the job.
ALTER TABLE fine_tuning_jobs
    ADD COLUMN claims_without_progress integer NOT NULL DEFAULT 0 CHECK (claims_without_progress >= 0);

-- The number of JSONL records (examples, preference pairs or prompts) of a validated fine-tune file, counted at upload,
-- so that a job on too few examples is refused when it is created. NULL for other files and older uploads.
ALTER TABLE files ADD COLUMN examples integer CHECK (examples >= 0);

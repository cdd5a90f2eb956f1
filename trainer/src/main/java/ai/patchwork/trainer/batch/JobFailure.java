package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.JobError;

/** A step failed for a reason the user can fix (a bad file, a diverging run): the job fails with this error. */
final class JobFailure extends RuntimeException {
    private final JobError error;

    JobFailure(JobError error) {
        super(error.message());
        this.error = error;
    }

    JobError error() {
        return error;
    }
}

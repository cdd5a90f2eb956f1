package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.FineTuningJob;
import java.util.Objects;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;

/**
 * The Spring Batch side of running fine-tuning jobs: the two batch jobs (supervised and preference jobs run
 * {@value FineTuningRunner#JOB_NAME}, reinforcement jobs {@value FineTuningRunner#RL_JOB_NAME}), the operator that
 * starts and recovers their executions and the repository that records them.
 */
record BatchJobs(JobOperator operator, JobRepository repository, Job supervised, Job reinforcement) {
    BatchJobs {
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(supervised, "supervised");
        Objects.requireNonNull(reinforcement, "reinforcement");
    }

    /** The batch job that runs {@code job}. */
    Job of(FineTuningJob job) {
        return job.reinforcement() == null ? supervised : reinforcement;
    }

    /** The last execution of {@code job}'s instance with these identifying parameters, or null. */
    JobExecution last(Job job, JobParameters identifying) {
        return repository.getLastJobExecution(job.getName(), identifying);
    }
}

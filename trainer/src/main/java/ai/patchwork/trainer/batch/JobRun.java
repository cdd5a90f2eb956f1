package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.Lease;
import java.util.Objects;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The fine-tuning job a batch execution runs, the worker running it and the fencing token of that worker's claim, from
 * the execution's job parameters: the job id identifies the Spring Batch job instance, the worker id and the lease
 * token are non-identifying parameters of each start (a restart may run on another worker, under a later claim).
 * Step-scoped tasklets get all three injected; every write they make for the job goes through {@link #lease()}.
 */
record JobRun(String jobId, String workerId, long leaseToken) {
    JobRun {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(workerId, "workerId");
        if (leaseToken < 1) throw new IllegalArgumentException("leaseToken must be positive");
    }

    JobRun(Lease lease) {
        this(lease.jobId(), lease.workerId(), lease.token());
    }

    /** The worker's lease on the job: writes through it are refused once another claim has taken the job. */
    Lease lease() {
        return new Lease(jobId, workerId, leaseToken);
    }

    /** The job execution's context of a running step: where the steps hand each other what they produced. */
    static ExecutionContext jobContext(ChunkContext chunk) {
        return chunk.getStepContext().getStepExecution().getJobExecution().getExecutionContext();
    }
}

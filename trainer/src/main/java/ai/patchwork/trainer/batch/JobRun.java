package ai.patchwork.trainer.batch;

import java.util.Objects;

/**
 * The fine-tuning job a batch execution runs and the worker running it, from the execution's job parameters: the job
 * id identifies the Spring Batch job instance, the worker id is a non-identifying parameter of each start (a restart
 * may run on another worker). Step-scoped tasklets get both injected.
 */
record JobRun(String jobId, String workerId) {
  JobRun {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(workerId, "workerId");
  }
}

package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.Lease;
import java.time.Instant;

/**
 * The fine-tuning job this process is running and the worker's lease on it. A worker runs one job at a time (PyTorch
 * allows one gradient collector per process) and Spring Batch runs it on the worker's thread, so one mutable holder
 * is enough; the tasklets read it because job parameters are fixed at the first start, while the worker may be
 * another one on a restart. It also records when the job last made progress, which the worker's watchdog reads.
 */
final class RunContext {
  private volatile Lease lease;
  private volatile boolean shutdown;
  private volatile Instant lastProgress = Instant.EPOCH;

  void begin(Lease lease) {
    this.lease = lease;
    touch();
  }

  void end() {
    this.lease = null;
  }

  /** The running job's lease: every write for the job goes through it. */
  Lease lease() {
    return lease;
  }

  String jobId() {
    return lease.jobId();
  }

  String workerId() {
    return lease.workerId();
  }

  /** The job made progress (a training step, a pipeline step). */
  void touch() {
    lastProgress = Instant.now();
  }

  Instant lastProgress() {
    return lastProgress;
  }

  /** Asks the running job to stop at the next step boundary, to be resumed by another worker. */
  void requestShutdown() {
    shutdown = true;
  }

  boolean shutdownRequested() {
    return shutdown;
  }
}

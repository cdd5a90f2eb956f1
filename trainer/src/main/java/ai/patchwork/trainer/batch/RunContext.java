package ai.patchwork.trainer.batch;

/**
 * The fine-tuning job this process is running and the worker that holds it. A worker runs one job at a time (PyTorch
 * allows one gradient collector per process) and Spring Batch runs it on the worker's thread, so one mutable holder
 * is enough; the tasklets read it because job parameters are fixed at the first start, while the worker may be
 * another one on a restart.
 */
final class RunContext {
  private volatile String jobId;
  private volatile String workerId;
  private volatile boolean shutdown;

  void begin(String jobId, String workerId) {
    this.jobId = jobId;
    this.workerId = workerId;
  }

  void end() {
    this.jobId = null;
    this.workerId = null;
  }

  String jobId() {
    return jobId;
  }

  String workerId() {
    return workerId;
  }

  /** Asks the running job to stop at the next step boundary, to be resumed by another worker. */
  void requestShutdown() {
    shutdown = true;
  }

  boolean shutdownRequested() {
    return shutdown;
  }
}

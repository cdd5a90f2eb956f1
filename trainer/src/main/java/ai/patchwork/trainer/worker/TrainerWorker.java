package ai.patchwork.trainer.worker;

import ai.patchwork.trainer.batch.FineTuningRunner;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The {@code worker} role: one thread that claims a job, runs it with Spring Batch while a heartbeat renews the
 * claim, and claims the next. One job at a time per process (PyTorch allows one gradient collector per process);
 * more workers, on this machine or others, share the queue. On shutdown the running job stops at its next step and
 * is queued again for another worker, which resumes from the last checkpoint. {@link #drain()} stops taking new
 * jobs (before maintenance), {@link #resume()} takes them again.
 */
public final class TrainerWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(TrainerWorker.class);

  private final WorkerSettings settings;
  private final JobQueue queue;
  private final FineTuningRunner runner;
  private final ScheduledExecutorService heartbeats;
  private volatile boolean running;
  private volatile boolean draining;
  private Thread thread;

  public TrainerWorker(WorkerSettings settings, JobQueue queue, FineTuningRunner runner) {
    this.settings = settings;
    this.queue = queue;
    this.runner = runner;
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "trainer-heartbeat");
      t.setDaemon(true);
      return t;
    });
  }

  public String workerId() {
    return settings.workerId();
  }

  /** Stops claiming new jobs; a job already running continues. */
  public void drain() {
    draining = true;
  }

  /** Claims jobs again after {@link #drain()}. */
  public void resume() {
    draining = false;
  }

  @Override
  public synchronized void start() {
    if (running) return;
    running = true;
    thread = new Thread(this::loop, "trainer-worker");
    thread.setDaemon(true);
    thread.start();
    log.info("trainer worker {} started for base models {}", settings.workerId(), settings.baseModels());
  }

  private void loop() {
    while (running) {
      try {
        Optional<String> job = draining ? Optional.empty() : queue.claim(settings);
        if (job.isEmpty()) {
          Thread.sleep(settings.poll().toMillis());
          continue;
        }
        run(job.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("trainer worker {}: {}", settings.workerId(), e.getMessage(), e);
        sleepQuietly();
      }
    }
  }

  private void run(String jobId) {
    log.info("trainer worker {} claimed {}", settings.workerId(), jobId);
    long period = settings.heartbeat().toMillis();
    ScheduledFuture<?> beat = heartbeats.scheduleAtFixedRate(() -> {
      try {
        if (!queue.renew(jobId, settings)) log.warn("worker {} no longer holds {}", settings.workerId(), jobId);
      } catch (RuntimeException e) {
        log.warn("heartbeat for {} failed: {}", jobId, e.getMessage());
      }
    }, period, period, TimeUnit.MILLISECONDS);
    try {
      runner.run(jobId, settings.workerId());
    } finally {
      beat.cancel(false);
    }
  }

  private void sleepQuietly() {
    try {
      Thread.sleep(settings.poll().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    Thread t;
    synchronized (this) {
      if (!running) return;
      running = false;
      t = thread;
    }
    runner.requestShutdown();
    try {
      t.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    heartbeats.shutdownNow();
    log.info("trainer worker {} stopped", settings.workerId());
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}

package ai.patchwork.trainer.worker;

import ai.patchwork.trainer.jobs.Lease;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>Faults: an {@link Error} out of a job (out of memory, a native library's failure) does not end the loop: the job's
 * lease is given up (the claim counts towards the job's retry limit) and the worker claims again. The heartbeat is
 * also a watchdog: when the running job has made no progress for {@link WorkerSettings#stallTimeout()} it stops
 * renewing, gives the lease up so that another worker resumes the job from its last checkpoint, and {@link #health()}
 * reports the worker down until the job returns.
 */
public final class TrainerWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TrainerWorker.class);

    private final WorkerSettings settings;
    private final JobQueue queue;
    private final JobRunner runner;
    private final ScheduledExecutorService heartbeats;
    private volatile boolean running;
    private volatile boolean draining;
    private volatile Thread thread;
    private volatile Lease current;
    private volatile Lease abandoned;

    public TrainerWorker(WorkerSettings settings, JobQueue queue, JobRunner runner) {
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

    /** Down when the loop thread died or the running job made no progress within the stall timeout. */
    public WorkerHealth health() {
        Thread t = thread;
        if (running && (t == null || !t.isAlive())) return new WorkerHealth(false, "the worker's loop thread died");
        Lease lease = current;
        if (lease == null) return new WorkerHealth(true, draining ? "draining" : "idle");
        Duration quiet = Duration.between(runner.lastProgress(), Instant.now());
        if (quiet.compareTo(settings.stallTimeout()) > 0) {
            return new WorkerHealth(
                    false, "job " + lease.jobId() + " made no progress for " + quiet.toSeconds() + " s");
        }
        return new WorkerHealth(true, "running " + lease.jobId());
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
                Optional<Lease> job = draining ? Optional.empty() : queue.claim(settings);
                if (job.isEmpty()) {
                    Thread.sleep(settings.poll().toMillis());
                    continue;
                }
                run(job.get());
            } catch (InterruptedException e) {
                if (!running) return;
                Thread.interrupted(); // the watchdog interrupted a hung job: the loop goes on
            } catch (RuntimeException | Error e) {
                log.error("trainer worker {}: {}", settings.workerId(), e.toString(), e);
                sleepQuietly();
            }
        }
    }

    private void run(Lease lease) {
        log.info("trainer worker {} claimed {} (claim {})", settings.workerId(), lease.jobId(), lease.token());
        current = lease;
        long period = settings.heartbeat().toMillis();
        Thread worker = Thread.currentThread();
        ScheduledFuture<?> beat =
                heartbeats.scheduleAtFixedRate(() -> beat(lease, worker), period, period, TimeUnit.MILLISECONDS);
        try {
            runner.run(lease);
        } catch (Error e) {
            log.error("trainer worker {}: job {} ended with {}", settings.workerId(), lease.jobId(), e.toString(), e);
            giveUp(
                    lease,
                    "Worker " + settings.workerId() + " failed with " + e + "; the job will be retried from its "
                            + "last checkpoint");
        } finally {
            beat.cancel(false);
            current = null;
            Thread.interrupted();
        }
    }

    /** One heartbeat: renews the lease, or gives it up when the job stalled. */
    private void beat(Lease lease, Thread worker) {
        if (lease.equals(abandoned)) return;
        try {
            Duration quiet = Duration.between(runner.lastProgress(), Instant.now());
            if (quiet.compareTo(settings.stallTimeout()) > 0) {
                abandoned = lease;
                log.error(
                        "trainer worker {}: job {} made no progress for {} s; giving its lease up",
                        settings.workerId(),
                        lease.jobId(),
                        quiet.toSeconds());
                giveUp(
                        lease,
                        "Worker " + settings.workerId() + " made no progress for " + quiet.toSeconds()
                                + " s and gave the job up; another worker resumes it from its last checkpoint");
                worker.interrupt();
                return;
            }
            if (!queue.renew(lease, settings))
                log.warn("worker {} no longer holds {}", settings.workerId(), lease.jobId());
        } catch (RuntimeException e) {
            log.warn("heartbeat for {} failed: {}", lease.jobId(), e.getMessage());
        }
    }

    private void giveUp(Lease lease, String why) {
        try {
            queue.abandon(lease, why);
        } catch (RuntimeException e) {
            log.warn("cannot give job {} up: {}; its lease expires instead", lease.jobId(), e.getMessage());
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

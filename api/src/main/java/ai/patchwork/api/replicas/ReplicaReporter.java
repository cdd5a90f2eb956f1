package ai.patchwork.api.replicas;

import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.serving.InferenceEngine;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serving process's heartbeat: at start and then every interval it writes its row in {@link ServingReplicas} with
 * the adapters resident in its engines' caches; on a clean shutdown it deletes the row. A missed heartbeat (the
 * database briefly away) is logged and retried on the next tick; readers only see the replica as gone after
 * {@link ServingReplicas#FRESH}.
 */
final class ReplicaReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaReporter.class);

    private final ServingReplicas replicas;
    private final ServedModels served;
    private final List<String> baseModels;
    private final String id;
    private final Instant startedAt = Instant.now();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("serving-replica-heartbeat").factory());
    private volatile boolean failing;

    ReplicaReporter(
            ServingReplicas replicas, ServedModels served, List<String> baseModels, String id, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("patchwork.serving.heartbeat-interval must be positive: " + interval);
        }
        if (interval.compareTo(ServingReplicas.FRESH.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("patchwork.serving.heartbeat-interval must be at most "
                    + ServingReplicas.FRESH.dividedBy(2).toSeconds()
                    + "s, or the replica looks gone between heartbeats: "
                    + interval);
        }
        this.replicas = replicas;
        this.served = served;
        this.baseModels = List.copyOf(baseModels);
        this.id = id;
        log.info("serving replica id {}", id);
        timer.scheduleWithFixedDelay(this::report, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code patchwork.serving.replica-id} when set, else the host name and process id (unique per container). */
    static String defaultId(String configured) {
        if (configured != null && !configured.isBlank()) return configured.strip();
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    String id() {
        return id;
    }

    /** Writes this replica's row now. */
    void report() {
        try {
            replicas.heartbeat(id, baseModels, resident(), startedAt);
            if (failing) log.info("serving replica heartbeat written again");
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) log.warn("serving replica heartbeat failed (retrying every tick): {}", e.toString());
            failing = true;
        }
    }

    private Set<String> resident() {
        Set<String> ids = new TreeSet<>();
        for (InferenceEngine engine : served.engines())
            ids.addAll(engine.adapters().residentAdapterIds());
        return ids;
    }

    /**
     * Stops the heartbeat, then deletes the row, so that no late tick writes it again. The delete gets
     * {@value #REMOVE_SECONDS} s: when the database is already gone (a test JVM stopping its PostgreSQL, a host going
     * down) shutdown must not wait out the pool's connection timeout for a row that expires by itself.
     */
    @Override
    public void close() {
        timer.shutdown(); // cancels the next ticks; a tick in progress finishes first
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
            CompletableFuture.runAsync(() -> replicas.remove(id), Thread::startVirtualThread)
                    .get(REMOVE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn(
                    "could not remove serving replica {} at shutdown (it expires by itself): {}",
                    id,
                    (e.getCause() == null ? e : e.getCause()).toString());
        }
    }

    private static final int REMOVE_SECONDS = 3;
}

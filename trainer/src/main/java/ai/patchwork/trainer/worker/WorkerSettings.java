package ai.patchwork.trainer.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a worker takes jobs.
 *
 * @param workerId this worker's name in {@code claimed_by} (unique among live workers)
 * @param lease how long a claim lasts without a heartbeat: after that another worker may take the job over
 * @param heartbeat how often the claim is renewed; well under the lease
 * @param poll how long an idle worker waits before looking for a job again
 * @param baseModels the base models this worker has; it takes only jobs for them
 * @param maxClaimsWithoutProgress claims of one job that may end without progress (a crash, a hang, an error that
 *     killed the worker) before the job is failed instead of claimed again
 * @param stallTimeout how long a running job may go without progress (a training step, a step of the pipeline)
 *     before the watchdog gives its lease up and the worker reports itself down
 */
public record WorkerSettings(
        String workerId,
        Duration lease,
        Duration heartbeat,
        Duration poll,
        Set<String> baseModels,
        int maxClaimsWithoutProgress,
        Duration stallTimeout) {

    /** The default of {@link #maxClaimsWithoutProgress}. */
    public static final int DEFAULT_MAX_CLAIMS = 3;

    /** The default of {@link #stallTimeout}. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(10);

    public WorkerSettings {
        Objects.requireNonNull(workerId, "workerId");
        if (lease.isNegative() || lease.isZero()) throw new IllegalArgumentException("lease must be positive");
        if (heartbeat.compareTo(lease) >= 0)
            throw new IllegalArgumentException("heartbeat must be shorter than the lease");
        if (poll.isNegative() || poll.isZero()) throw new IllegalArgumentException("poll must be positive");
        if (maxClaimsWithoutProgress < 1) throw new IllegalArgumentException("maxClaimsWithoutProgress must be >= 1");
        if (stallTimeout.compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("stallTimeout must be longer than the heartbeat");
        }
        baseModels = Set.copyOf(baseModels);
    }

    /** Settings with the default retry limit and stall timeout. */
    public WorkerSettings(String workerId, Duration lease, Duration heartbeat, Duration poll, Set<String> baseModels) {
        this(workerId, lease, heartbeat, poll, baseModels, DEFAULT_MAX_CLAIMS, DEFAULT_STALL_TIMEOUT);
    }
}

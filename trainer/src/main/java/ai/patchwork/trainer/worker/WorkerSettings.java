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
 */
public record WorkerSettings(String workerId, Duration lease, Duration heartbeat, Duration poll, Set<String> baseModels) {
  public WorkerSettings {
    Objects.requireNonNull(workerId, "workerId");
    if (lease.isNegative() || lease.isZero()) throw new IllegalArgumentException("lease must be positive");
    if (heartbeat.compareTo(lease) >= 0) throw new IllegalArgumentException("heartbeat must be shorter than the lease");
    if (poll.isNegative() || poll.isZero()) throw new IllegalArgumentException("poll must be positive");
    baseModels = Set.copyOf(baseModels);
  }
}

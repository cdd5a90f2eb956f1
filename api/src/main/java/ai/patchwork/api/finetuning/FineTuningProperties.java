package ai.patchwork.api.finetuning;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code patchwork.fine-tuning.*} settings.
 *
 * @param maxFileSize largest file {@code POST /v1/files} accepts
 * @param maxLineLength longest line of a {@code fine-tune} JSONL file, at upload and when a job reads it (files are
 *     read one line at a time, so this bounds the heap a file costs)
 * @param worker how a worker process takes jobs
 */
@ConfigurationProperties("patchwork.fine-tuning")
public record FineTuningProperties(
        @DefaultValue("512MB") DataSize maxFileSize,
        @DefaultValue("4MB") DataSize maxLineLength,
        @DefaultValue Worker worker) {

    public FineTuningProperties {
        if (maxFileSize.toBytes() < 1) throw new IllegalArgumentException("max-file-size must be positive");
        if (maxLineLength.toBytes() < 1 || maxLineLength.toBytes() > 1L << 30) {
            throw new IllegalArgumentException("max-line-length must be between 1 byte and 1GB");
        }
    }

    /**
     * @param id this worker's name in job claims; empty: host name and process id
     * @param lease how long a claim lasts without a heartbeat; after that another worker resumes the job
     * @param heartbeat how often the claim is renewed (well under the lease)
     * @param poll how long an idle worker waits between looks at the queue
     * @param maxClaimsWithoutProgress claims of one job that may end without progress (its worker crashed, hung or
     *     ran out of memory) before the job is failed instead of claimed again
     * @param stallTimeout how long a running job may go without progress before the worker gives its lease up and
     *     reports itself down
     * @param storePatience how long a running job retries an object store call while the store cannot be reached
     *     before it fails with {@code storage_unavailable}
     */
    public record Worker(
            String id,
            @DefaultValue("30s") Duration lease,
            @DefaultValue("10s") Duration heartbeat,
            @DefaultValue("1s") Duration poll,
            @DefaultValue("3") int maxClaimsWithoutProgress,
            @DefaultValue("10m") Duration stallTimeout,
            @DefaultValue("2m") Duration storePatience) {}
}

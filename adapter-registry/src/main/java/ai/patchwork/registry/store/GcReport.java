package ai.patchwork.registry.store;

/**
 * What one garbage collection of unreferenced artifacts did.
 *
 * @param collected artifacts whose objects were removed
 * @param bytesFreed their total size
 * @param failed artifacts whose removal failed and that stay for the next run
 * @param abortedUploads multipart uploads older than the grace period that were never completed (a process died
 *     while uploading), aborted to free their parts
 */
public record GcReport(int collected, long bytesFreed, int failed, int abortedUploads) {
    public GcReport {
        if (collected < 0 || bytesFreed < 0 || failed < 0 || abortedUploads < 0) {
            throw new IllegalArgumentException("negative counts");
        }
    }
}

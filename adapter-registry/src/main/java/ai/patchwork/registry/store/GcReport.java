package ai.patchwork.registry.store;

/**
 * What one garbage collection of unreferenced artifacts did.
 *
 * @param collected artifacts whose objects were removed
 * @param bytesFreed their total size
 * @param failed artifacts whose removal failed and that stay for the next run
 */
public record GcReport(int collected, long bytesFreed, int failed) {
    public GcReport {
        if (collected < 0 || bytesFreed < 0 || failed < 0) throw new IllegalArgumentException("negative counts");
    }
}

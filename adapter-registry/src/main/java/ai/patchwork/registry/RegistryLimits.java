package ai.patchwork.registry;

/**
 * Size limits on uploads, checked before anything is read or written.
 *
 * @param maxWeightsBytes largest {@code adapter_model.safetensors}
 * @param maxConfigBytes largest {@code adapter_config.json}
 * @param maxArchiveBytes largest archive (compressed)
 * @param maxArchiveEntries most entries in an archive
 * @param maxArchiveUncompressedBytes most bytes an archive may decompress to, all entries together (those skipped
 *     included where the format makes them be decompressed, as in a {@code .tar.gz})
 * @param maxCompressionRatio most uncompressed bytes per compressed byte, per zip entry and for a whole
 *     {@code .tar.gz} (decompression bombs reach ratios of 1000 and more; safetensors weights compress little)
 * @param maxLoraRank largest LoRA rank the serving replicas load: adapters of a larger rank are refused at upload
 *     and fine-tuning jobs that would produce one at creation, so nothing is registered that cannot be served
 */
public record RegistryLimits(
        long maxWeightsBytes,
        long maxConfigBytes,
        long maxArchiveBytes,
        int maxArchiveEntries,
        long maxArchiveUncompressedBytes,
        int maxCompressionRatio,
        int maxLoraRank) {

    /** 4 GiB of weights, 1 MiB of config, 4 GiB archives of at most 1000 entries. */
    public static final RegistryLimits DEFAULTS = new RegistryLimits(4L << 30, 1L << 20, 4L << 30, 1000);

    /** The default largest servable LoRA rank (serving's own default, {@code patchwork.serving.max-lora-rank}). */
    public static final int DEFAULT_MAX_LORA_RANK = 16;

    /** The default most uncompressed bytes per compressed byte. */
    public static final int DEFAULT_COMPRESSION_RATIO = 100;

    public RegistryLimits {
        if (maxWeightsBytes <= 0
                || maxConfigBytes <= 0
                || maxArchiveBytes <= 0
                || maxArchiveEntries <= 0
                || maxArchiveUncompressedBytes <= 0
                || maxCompressionRatio <= 0
                || maxLoraRank <= 0) {
            throw new IllegalArgumentException("registry limits must be positive");
        }
    }

    /**
     * Limits whose archives may decompress to the weights and config limits plus 64 MiB of other entries, at a ratio
     * of at most {@value #DEFAULT_COMPRESSION_RATIO}, and LoRA ranks up to {@value #DEFAULT_MAX_LORA_RANK}.
     */
    public RegistryLimits(long maxWeightsBytes, long maxConfigBytes, long maxArchiveBytes, int maxArchiveEntries) {
        this(
                maxWeightsBytes,
                maxConfigBytes,
                maxArchiveBytes,
                maxArchiveEntries,
                maxWeightsBytes + maxConfigBytes + (64L << 20),
                DEFAULT_COMPRESSION_RATIO,
                DEFAULT_MAX_LORA_RANK);
    }
}

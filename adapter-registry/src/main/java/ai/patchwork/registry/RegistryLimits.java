package ai.patchwork.registry;

/**
 * Size limits on uploads, checked before anything is read or written.
 *
 * @param maxWeightsBytes largest {@code adapter_model.safetensors}
 * @param maxConfigBytes largest {@code adapter_config.json}
 * @param maxArchiveBytes largest archive (compressed)
 * @param maxArchiveEntries most entries in an archive
 */
public record RegistryLimits(long maxWeightsBytes, long maxConfigBytes, long maxArchiveBytes, int maxArchiveEntries) {

  /** 4 GiB of weights, 1 MiB of config, 4 GiB archives of at most 1000 entries. */
  public static final RegistryLimits DEFAULTS = new RegistryLimits(4L << 30, 1L << 20, 4L << 30, 1000);

  public RegistryLimits {
    if (maxWeightsBytes <= 0 || maxConfigBytes <= 0 || maxArchiveBytes <= 0 || maxArchiveEntries <= 0) {
      throw new IllegalArgumentException("registry limits must be positive");
    }
  }
}

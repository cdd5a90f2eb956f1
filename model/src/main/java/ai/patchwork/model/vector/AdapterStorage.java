package ai.patchwork.model.vector;

/**
 * How {@link VectorLoraSlots} hold adapter weights. A decode step whose rows use different adapters reads each of
 * them whole (A and s·B of every targeted projection, megabytes for a batch), and that read, not the arithmetic, is
 * what such a step pays for its adapters; so the bytes per weight are the cost.
 */
public enum AdapterStorage {

  /**
   * The values as loaded: float32, or bfloat16 for a layer whose values are all exactly bfloat16 (a BF16 adapter
   * with a power-of-two scale). Nothing is rounded.
   */
  EXACT,

  /**
   * 24-bit floats ({@link Float24}): float32 with the lowest 8 of its 23 mantissa bits rounded off, a relative error
   * of at most 2⁻¹⁶ per weight (bfloat16, what GPU servers commonly hold adapters in, keeps 7 mantissa bits: an
   * error of up to 2⁻⁹). Three quarters of the bytes of float32; a BF16 adapter's values are held exactly.
   */
  FLOAT24
}

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
     * 16-bit integers ({@link Int16}) with one float scale per rank: each row of A and each column of s·B is divided by
     * its largest magnitude over 32767 and rounded, so each weight is within 1/65534 of its row's or column's largest
     * (bfloat16, what GPU servers commonly hold adapters in, is within 2⁻⁹ of the weight itself). Half the bytes of
     * float32; the scales are applied to the r values between shrink and expand, not per weight.
     */
    INT16
}

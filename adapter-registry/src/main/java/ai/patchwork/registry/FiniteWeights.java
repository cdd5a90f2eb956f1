package ai.patchwork.registry;

import ai.patchwork.model.safetensors.DType;
import java.nio.ByteBuffer;

/**
 * Whether adapter weights are finite: an adapter holding NaN or an infinity would turn every output of the requests
 * that use it into NaN, so uploads holding one are refused ({@link WeightsScan} checks each tensor as it passes). A
 * value is non-finite when all its exponent bits are set.
 */
final class FiniteWeights {

    private FiniteWeights() {}

    /** Whether every whole value of {@code dtype} left in {@code b} (little-endian) is finite; other dtypes are. */
    static boolean finite(ByteBuffer b, DType dtype) {
        switch (dtype) {
            case F32 -> {
                while (b.remaining() >= 4) if ((b.getInt() & 0x7f80_0000) == 0x7f80_0000) return false;
            }
            case F16 -> {
                while (b.remaining() >= 2) if ((b.getShort() & 0x7c00) == 0x7c00) return false;
            }
            case BF16 -> {
                while (b.remaining() >= 2) if ((b.getShort() & 0x7f80) == 0x7f80) return false;
            }
            case F64 -> {
                while (b.remaining() >= 8)
                    if ((b.getLong() & 0x7ff0_0000_0000_0000L) == 0x7ff0_0000_0000_0000L) return false;
            }
            default -> {
                return true;
            }
        }
        return true;
    }
}

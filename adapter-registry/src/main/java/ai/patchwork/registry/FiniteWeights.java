package ai.patchwork.registry;

import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Refuses adapter weights holding NaN or an infinity: such an adapter would turn every output of the requests that
 * use it into NaN. The floating-point tensors are read in 1 MiB blocks (never the whole file on the heap); a value is
 * non-finite when all its exponent bits are set.
 */
final class FiniteWeights {
    private static final int BLOCK = 1 << 20;

    private FiniteWeights() {}

    /** Throws a 400 naming the first tensor with a value that is not finite. */
    static void check(Path weights, SafetensorsHeader header, String filename) {
        ByteBuffer buf = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(weights)) {
            for (TensorInfo t : header.tensors().values()) {
                int width = switch (t.dtype()) {
                    case F32 -> 4;
                    case F16, BF16 -> 2;
                    case F64 -> 8;
                    default -> 0;
                };
                if (width == 0) continue;
                long pos = header.dataStart() + t.begin();
                long end = header.dataStart() + t.end();
                while (pos < end) {
                    buf.clear().limit((int) Math.min(BLOCK, end - pos));
                    while (buf.hasRemaining()) {
                        int n = ch.read(buf, pos + buf.position());
                        if (n < 0) throw new IOException("unexpected end of " + filename);
                    }
                    buf.flip();
                    if (!finite(buf, t.dtype())) {
                        throw RegistryException.invalid(
                                "adapter_model",
                                "non_finite_weights",
                                filename + ": tensor '" + t.name()
                                        + "' holds NaN or infinite values; such an adapter cannot be served");
                    }
                    pos += buf.limit();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + weights, e);
        }
    }

    private static boolean finite(ByteBuffer b, DType dtype) {
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

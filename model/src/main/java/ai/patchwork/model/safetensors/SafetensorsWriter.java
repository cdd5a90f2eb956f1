package ai.patchwork.model.safetensors;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes float tensors as a safetensors file (F32 or BF16), tensors sorted by name and the header padded to 8 bytes,
 * as the reference implementation does.
 */
public final class SafetensorsWriter {

    /** One tensor to write: values in row-major order. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) n *= d;
            if (n != values.length) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
            }
        }
    }

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors, DType dtype) {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, tensors, dtype);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The 8-byte length and the JSON header, padded to 8 bytes, for tensors stored back to back in the given order
     * (for writers that stream the data themselves).
     */
    public static byte[] header(Map<String, long[]> shapesInOrder, DType dtype) {
        ObjectNode header = JsonMapper.shared().createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapesInOrder.entrySet()) {
            long numel = 1;
            for (long d : e.getValue()) numel *= d;
            long size = numel * dtype.bytes();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.getValue()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = JsonMapper.shared().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }

    /** Appends one value in the stored format: F32 as is, BF16 rounded to nearest even. */
    public static void put(ByteBuffer buf, float v, DType dtype) {
        if (dtype == DType.F32) buf.putFloat(v);
        else buf.putShort(FloatConversion.toBf16(v));
    }

    public static void write(OutputStream out, Map<String, Tensor> tensors, DType dtype) throws IOException {
        if (dtype != DType.F32 && dtype != DType.BF16)
            throw new IllegalArgumentException("writes F32 or BF16, not " + dtype);
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        sorted.forEach((name, t) -> shapes.put(name, t.shape()));
        out.write(header(shapes, dtype));
        for (Tensor t : sorted.values()) {
            ByteBuffer buf =
                    ByteBuffer.allocate(t.values().length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.values()) put(buf, v, dtype);
            out.write(buf.array());
        }
    }
}

package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link PackedAdapter#packStored} against {@link PackedAdapter#packReference}: the same integers and scales. */
class PackedAdapterTest {
    @TempDir
    Path tmp;

    /**
     * Every stored float dtype, on shapes with partial SIMD chunks and groups (hidden 72, intermediate 100) and a rank
     * that is not a multiple of 4, and on one whose widths are whole vectors.
     */
    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "BF16", "F16", "F64"})
    void packingFromStoredBytesEqualsTheReferenceExactly(DType dtype) {
        for (int[] shape : new int[][] {{72, 100, 6}, {128, 256, 8}}) {
            ModelConfig c = model(shape[0], shape[1]);
            AdapterWeights source = adapter(c, shape[2]);
            try (SafetensorsFile file = SafetensorsFile.read(encode(source, dtype), "adapter")) {
                LoraModules modules = AdapterWeights.read("a", source.config(), file, c);
                PackedAdapter fast = PackedAdapter.pack(modules, c, 8, AdapterStorage.INT16);
                PackedAdapter reference = PackedAdapter.packReference(modules, c, 8, AdapterStorage.INT16);
                assertSame(reference, fast, dtype + " " + shape[0] + "x" + shape[1]);
            }
        }
    }

    /** A reader that holds float32 modules only is packed by the reference path; so is the exact storage. */
    @Test
    void readersWithoutStoredTensorsTakeTheReferencePath() {
        ModelConfig c = model(128, 256);
        AdapterWeights source = adapter(c, 8);
        assertNull(source.stored(0, Projection.Q));
        assertSame(
                PackedAdapter.packReference(source, c, 8, AdapterStorage.INT16),
                PackedAdapter.pack(source, c, 8, AdapterStorage.INT16),
                "float32 modules");
        try (SafetensorsFile file = SafetensorsFile.read(encode(source, DType.F32), "adapter")) {
            LoraModules modules = AdapterWeights.read("a", source.config(), file, c);
            assertNotNull(modules.stored(0, Projection.Q));
            PackedAdapter exact = PackedAdapter.pack(modules, c, 8, AdapterStorage.EXACT);
            assertNull(exact.layers()[0].i16(), "exact storage holds no 16-bit integers");
            assertSame(PackedAdapter.packReference(modules, c, 8, AdapterStorage.EXACT), exact);
        }
    }

    private static void assertSame(PackedAdapter want, PackedAdapter got) {
        for (int l = 0; l < want.layers().length; l++) {
            assertArrayEquals(want.layers()[l].f32(), got.layers()[l].f32(), "float32 of layer " + l);
            assertArrayEquals(want.layers()[l].bf16(), got.layers()[l].bf16(), "bfloat16 of layer " + l);
        }
    }

    private static void assertSame(PackedAdapter want, PackedAdapter got, String what) {
        assertEquals(want.layers().length, got.layers().length, what);
        for (int l = 0; l < want.layers().length; l++) {
            assertArrayEquals(want.ranks()[l], got.ranks()[l], what + " ranks of layer " + l);
            assertArrayEquals(want.aAt()[l], got.aAt()[l], what + " A offsets of layer " + l);
            assertArrayEquals(want.bAt()[l], got.bAt()[l], what + " B offsets of layer " + l);
            assertArrayEquals(want.scales()[l], got.scales()[l], what + " scales of layer " + l);
            assertArrayEquals(want.layers()[l].i16(), got.layers()[l].i16(), what + " weights of layer " + l);
        }
        assertEquals(want.bytes(), got.bytes(), what);
    }

    private ModelConfig model(int hidden, int intermediate) {
        return TinyModelWriter.write(
                TinyModelSpec.builder()
                        .optHidden(hidden)
                        .optLayers(2)
                        .optHeads(4)
                        .optKvHeads(2)
                        .optIntermediate(intermediate)
                        .optSeed(3)
                        .build(),
                tmp.resolve("model-" + hidden));
    }

    private AdapterWeights adapter(ModelConfig c, int rank) {
        Path dir = tmp.resolve("adapter-" + c.hiddenSize() + "-" + rank);
        TinyAdapterWriter.write(
                c,
                TinyAdapterSpec.builder()
                        .optRank(rank)
                        .optAlpha(3 * rank)
                        .optSeed(rank)
                        .build(),
                dir);
        return AdapterWeights.load("a", dir, c);
    }

    /** The adapter's tensors as a safetensors file in {@code dtype} (F16 and BF16 rounded to nearest even). */
    private static ByteBuffer encode(AdapterWeights adapter, DType dtype) {
        Map<String, float[]> values = new LinkedHashMap<>();
        StringBuilder json = new StringBuilder("{");
        long at = 0;
        for (LoraWeights w : adapter.modules()) {
            String prefix = AdapterWriter.prefix(w.layer(), w.projection().module());
            for (boolean a : new boolean[] {true, false}) {
                String name = prefix + (a ? ".lora_A.weight" : ".lora_B.weight");
                float[] v = a ? w.a() : w.b();
                long[] shape = a ? new long[] {w.rank(), w.in()} : new long[] {w.out(), w.rank()};
                long end = at + (long) v.length * dtype.bytes();
                if (json.length() > 1) json.append(',');
                json.append("\"%s\":{\"dtype\":\"%s\",\"shape\":[%d,%d],\"data_offsets\":[%d,%d]}"
                        .formatted(name, dtype, shape[0], shape[1], at, end));
                values.put(name, v);
                at = end;
            }
        }
        byte[] header = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + (int) at).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (float[] v : values.values()) {
            for (float f : v) {
                switch (dtype) {
                    case F32 -> out.putFloat(f);
                    case F64 -> out.putDouble(f * 1.0000001); // not a float32: narrowed when read
                    case F16 -> out.putShort(Float.floatToFloat16(f));
                    case BF16 -> out.putShort(bf16(f));
                    default -> throw new IllegalArgumentException(dtype.toString());
                }
            }
        }
        return out.flip();
    }

    private static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}

package ai.patchwork.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed files fail on open with one precise line; well-formed ones round-trip through the writer. */
class SafetensorsFileTest {

    @TempDir
    Path tmp;

    /** A file of an 8-byte length, the given header and {@code dataBytes} zero bytes. */
    Path file(String name, String header, int dataBytes) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return Files.write(tmp.resolve(name), b.array());
    }

    String openError(Path file) {
        SafetensorsException e = assertThrows(
                SafetensorsException.class, () -> SafetensorsFile.open(file).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(
                e.getMessage().startsWith(file.getFileName() + ": ")
                        || e.getMessage().contains(file.toString()),
                "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void fileShorterThanTheLengthField() throws Exception {
        Path f = Files.write(tmp.resolve("short.safetensors"), new byte[5]);
        assertEquals("short.safetensors: file is 5 bytes, too short for a safetensors header", openError(f));
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(10)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1000)
                .put((byte) '{')
                .put((byte) '}');
        Path f = Files.write(tmp.resolve("len.safetensors"), b.array());
        assertEquals("len.safetensors: header length 1000 runs past the end of the file (10 bytes)", openError(f));
    }

    @Test
    void absurdHeaderLength() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5);
        assertTrue(openError(Files.write(tmp.resolve("neg.safetensors"), b.array()))
                .contains("header length -5 is not valid"));
    }

    @Test
    void headerThatIsNotJson() throws Exception {
        assertEquals("bad.safetensors: header is not valid JSON", openError(file("bad.safetensors", "{not json", 0)));
        assertEquals("arr.safetensors: header is not a JSON object", openError(file("arr.safetensors", "[1, 2]", 0)));
    }

    @Test
    void unknownDtype() throws Exception {
        Path f = file("dtype.safetensors", "{\"w\":{\"dtype\":\"F8_E9M9\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        assertEquals("dtype.safetensors: tensor 'w' has unknown dtype 'F8_E9M9'", openError(f));
    }

    @Test
    void offsetsPastTheDataSection() throws Exception {
        Path f = file("past.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertEquals("past.safetensors: tensor 'w' ends at byte 16 past the data section (8 bytes)", openError(f));
    }

    @Test
    void overlappingTensors() throws Exception {
        Path f = file(
                "overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                24);
        assertEquals("overlap.safetensors: tensors 'a' and 'b' overlap", openError(f));
    }

    @Test
    void byteSizeThatDoesNotMatchTheShape() throws Exception {
        Path f = file("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16);
        assertEquals("size.safetensors: tensor 'w' is 16 bytes but shape [3] of F32 needs 12", openError(f));
    }

    @Test
    void incompleteEntriesAndBadOffsets() throws Exception {
        assertTrue(openError(file("a.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4))
                .contains("tensor 'w' needs dtype, shape and two data_offsets"));
        assertTrue(
                openError(file("b.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8))
                        .contains("tensor 'w' has invalid data_offsets [8, 4]"));
        assertTrue(
                openError(file("c.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4))
                        .contains("negative dimension"));
    }

    @Test
    void missingFile() {
        SafetensorsException e =
                assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("file not found"), e.getMessage());
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-6, 6)));
        return v;
    }

    @Test
    void f32RoundTripsExactly() throws Exception {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.last", new SafetensorsWriter.Tensor(new long[] {3, 5}, random(15, 1)));
        tensors.put("a.first", new SafetensorsWriter.Tensor(new long[] {7}, random(7, 2)));
        tensors.put("m.scalar", new SafetensorsWriter.Tensor(new long[] {}, new float[] {Float.MIN_VALUE}));
        Path f = tmp.resolve("rt.safetensors");
        SafetensorsWriter.write(f, tensors, DType.F32);
        try (SafetensorsFile sf = SafetensorsFile.open(f);
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(0, sf.header().dataStart() % 8, "header padded to 8 bytes");
            assertEquals(Map.of("format", "pt"), sf.header().metadata());
            assertEquals(
                    java.util.List.of("a.first", "m.scalar", "z.last"),
                    java.util.List.copyOf(sf.header().tensors().keySet()));
            for (var e : tensors.entrySet()) {
                TensorInfo info = sf.header().tensor(e.getKey());
                assertEquals(DType.F32, info.dtype());
                assertArrayEquals(e.getValue().shape(), info.shape());
                assertArrayEquals(e.getValue().values(), sf.floats(e.getKey()));
                NDArray a = sf.load(e.getKey(), m);
                assertEquals(DataType.FLOAT32, a.getDataType());
                assertArrayEquals(e.getValue().values(), a.toFloatArray());
            }
        }
    }

    /** Nearest bfloat16 with ties to even, computed independently of the writer from the two neighbours. */
    static float nearestBf16(float f) {
        int bits = Float.floatToIntBits(f);
        float down = Float.intBitsToFloat(bits & 0xffff0000);
        float up = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
        double dDown = Math.abs((double) f - down);
        double dUp = Math.abs((double) up - f);
        if (dDown != dUp) return dDown < dUp ? down : up;
        return ((Float.floatToIntBits(down) >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void bf16RoundsToNearestEvenAndLoadsAsFloat32() throws Exception {
        float[] special = {
            1f,
            1.5f,
            -2.25f,
            0f,
            1 + 0x1p-8f,
            1 + 3 * 0x1p-8f,
            -(1 + 0x1p-8f),
            1 + 0x1p-8f + 0x1p-20f,
            65504f,
            Float.MAX_VALUE / 4,
            1e-30f
        };
        float[] want = {
            1f,
            1.5f,
            -2.25f,
            0f,
            1f,
            1 + 0x1p-6f,
            -1f,
            1 + 0x1p-7f,
            65536f,
            nearestBf16(Float.MAX_VALUE / 4),
            nearestBf16(1e-30f)
        };
        float[] rand = random(999, 3);
        Map<String, SafetensorsWriter.Tensor> tensors = Map.of(
                "special", new SafetensorsWriter.Tensor(new long[] {special.length}, special),
                "rand", new SafetensorsWriter.Tensor(new long[] {27, 37}, rand));
        Path f = tmp.resolve("bf16.safetensors");
        SafetensorsWriter.write(f, tensors, DType.BF16);
        assertEquals(
                8 + SafetensorsFile.open(f).header().dataStart() - 8 + 2L * (special.length + rand.length),
                Files.size(f));
        try (SafetensorsFile sf = SafetensorsFile.open(f);
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(DType.BF16, sf.header().tensor("rand").dtype());
            assertArrayEquals(want, sf.floats("special"));
            float[] got = sf.floats("rand");
            for (int i = 0; i < rand.length; i++) {
                assertEquals(nearestBf16(rand[i]), got[i], "value " + rand[i]);
                assertTrue(Math.abs(got[i] - rand[i]) <= Math.abs(rand[i]) * 0x1p-8, "relative error of " + rand[i]);
            }
            NDArray a = sf.load("rand", m); // widened in Java: a BF16 NDArray would crash the JVM
            assertEquals(DataType.FLOAT32, a.getDataType());
            assertArrayEquals(got, a.toFloatArray());
        }
    }

    @Test
    void bytesInMemoryReadLikeTheFileAndFailTheSameWay() throws Exception {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", new SafetensorsWriter.Tensor(new long[] {4, 6}, random(24, 4)));
        tensors.put("b", new SafetensorsWriter.Tensor(new long[] {6}, random(6, 5)));
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Path f = tmp.resolve("mem-" + dtype + ".safetensors");
            SafetensorsWriter.write(f, tensors, dtype);
            byte[] bytes = Files.readAllBytes(f);
            try (SafetensorsFile mapped = SafetensorsFile.open(f);
                    SafetensorsFile memory = SafetensorsFile.read(ByteBuffer.wrap(bytes), "in memory");
                    NDManager m = NDManager.newBaseManager()) {
                assertEquals(mapped.header().tensors(), memory.header().tensors());
                for (String name : tensors.keySet()) {
                    assertArrayEquals(mapped.floats(name), memory.floats(name), dtype + " " + name);
                    assertArrayEquals(mapped.floats(name), memory.load(name, m).toFloatArray(), dtype + " " + name);
                }
            }
        }
        for (Path bad : new Path[] {
            Files.write(tmp.resolve("tiny.safetensors"), new byte[5]),
            file("notjson.safetensors", "{not json", 0),
            file("beyond.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)
        }) {
            String fromFile = openError(bad);
            SafetensorsException e = assertThrows(
                    SafetensorsException.class,
                    () -> SafetensorsFile.read(ByteBuffer.wrap(Files.readAllBytes(bad)), "upload")
                            .close());
            assertEquals(fromFile.replace(bad.getFileName().toString(), "upload"), e.getMessage());
        }
    }

    @Test
    void writerRejectsWrongValueCounts() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new SafetensorsWriter.Tensor(new long[] {2, 3}, new float[5]));
        assertTrue(e.getMessage().contains("needs 6 values, got 5"), e.getMessage());
    }
}

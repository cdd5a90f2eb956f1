package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.patchwork.model.Fixtures;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first load writes the packed weights to a file named by the checkpoint's content; later loads map that file
 * (byte for byte the same matrices) and do not repack; a damaged file is noticed and rewritten; a changed checkpoint
 * gets a file of its own.
 */
class PackedCacheTest {

    @TempDir
    Path cache;

    @TempDir
    Path models;

    @Test
    void laterLoadsReadWhatTheFirstPacked() throws IOException {
        Path dir = Fixtures.tinyLlamaModel();
        load(dir, Quantization.NONE, false);
        Path file = onlyFile();
        Object written = Files.readAttributes(file, "unix:ino").get("ino");
        assertNotNull(CheckpointHash.known(cache, dir), "the checkpoint's file hashes are remembered");
        load(dir, Quantization.NONE, true);
        assertEquals(written, Files.readAttributes(file, "unix:ino").get("ino"), "read, not rewritten");
    }

    @Test
    void cachedMatricesEqualFreshlyPackedOnes() {
        Path dir = Fixtures.tinyLlamaModel();
        for (Quantization q : Quantization.values()) {
            ModelWeights packed = CheckpointLoader.load(dir, q, false, null);
            CheckpointLoader.load(dir, q, false, cache).release(); // packs and writes the file
            ModelWeights cached = CheckpointLoader.load(dir, q, false, cache);
            assertTrue(cached.fromCache, q + ": read from the file");
            try {
                List<PackedMatrix> want = packed.matrices();
                List<PackedMatrix> got = cached.matrices();
                assertEquals(want.size(), got.size());
                for (int i = 0; i < want.size(); i++) {
                    PackedMatrix a = want.get(i);
                    PackedMatrix b = got.get(i);
                    assertEquals(a.precision(), b.precision());
                    assertEquals(-1, a.values().mismatch(b.values()), q + ": matrix " + i + " byte for byte");
                    if (a.scales() != null) assertEquals(-1, a.scales().mismatch(b.scales()));
                }
            } finally {
                cached.release();
                packed.release();
            }
        }
    }

    @Test
    void oneDnnLayoutsAreCachedInAFileOfTheirOwn() throws IOException {
        assumeTrue(OneDnn.available(), () -> "oneDNN has no native library here: " + OneDnn.LIBRARY.failure());
        TinyModelSpec spec = NativeGemmTest.fittingBf16(7);
        Path dir = models.resolve("bf16");
        TinyModelWriter.write(spec, dir);
        CheckpointLoader.load(dir, Quantization.NONE, false, cache).release();
        ModelWeights packed = CheckpointLoader.load(dir, Quantization.NONE, true, null);
        CheckpointLoader.load(dir, Quantization.NONE, true, cache).release();
        ModelWeights cached = CheckpointLoader.load(dir, Quantization.NONE, true, cache);
        assertTrue(cached.fromCache, "read from the file");
        try {
            List<PackedMatrix> want = packed.matrices();
            List<PackedMatrix> got = cached.matrices();
            assertEquals(want.size(), got.size());
            long blocked = 0;
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).precision(), got.get(i).precision());
                assertEquals(-1, want.get(i).values().mismatch(got.get(i).values()), "matrix " + i);
                if (got.get(i).precision() == Precision.BF16_BLOCKED) blocked++;
            }
            assertEquals(
                    2 * 4 + 1, blocked, "every projection of both layers and the untied LM head in oneDNN's layout");
        } finally {
            cached.release();
            packed.release();
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".packed")).count(), "one file per layout");
        }
    }

    /** int8 has a file per layout: oneDNN's ({@link Q8Rows}) read back as such, and the Vector API's beside it. */
    @Test
    void int8WeightsHaveAFilePerLayout() throws IOException {
        assumeTrue(OneDnn.available(), () -> "oneDNN has no native library here: " + OneDnn.LIBRARY.failure());
        Path dir = models.resolve("bf16");
        TinyModelWriter.write(NativeGemmTest.fittingBf16(7), dir);
        int nativeMatrices;
        try (VectorTransformer t = VectorTransformer.load(dir, Quantization.INT8, Matmul.NATIVE, cache)) {
            nativeMatrices = t.nativeMatrices();
            assertTrue(nativeMatrices > 0, "int8 projections in oneDNN's layout");
        }
        Path file = onlyFile();
        Object written = Files.readAttributes(file, "unix:ino").get("ino");
        try (VectorTransformer t = VectorTransformer.load(dir, Quantization.INT8, Matmul.NATIVE, cache)) {
            assertEquals(nativeMatrices, t.nativeMatrices(), "read back in oneDNN's layout");
        }
        assertEquals(written, Files.readAttributes(onlyFile(), "unix:ino").get("ino"), "read, not written again");
        try (VectorTransformer t = VectorTransformer.load(dir, Quantization.INT8, Matmul.VECTOR, cache)) {
            assertEquals(0, t.nativeMatrices(), "the Vector API's layout");
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".packed")).count(), "one file per layout");
        }
    }

    @Test
    void aDamagedFileIsRewritten() throws IOException {
        Path dir = Fixtures.tinyLlamaModel();
        load(dir, Quantization.NONE, false);
        Path file = onlyFile();
        long size = Files.size(file);

        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size / 2); // a partial file
        }
        load(dir, Quantization.NONE, false);
        assertEquals(size, Files.size(file), "rewritten whole");

        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(64 + 4);
            f.writeInt(0x7fff_0000); // the first matrix's row count: the checksum no longer matches
        }
        load(dir, Quantization.NONE, false);
        load(dir, Quantization.NONE, true);
        try (Stream<Path> s = Files.list(cache)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aChangedCheckpointGetsItsOwnFile() throws IOException {
        Path dir = models.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(Fixtures.tinyLlamaModel())) {
            for (Path p : s.toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        load(dir, Quantization.NONE, false);
        String before = CheckpointHash.known(cache, dir);
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")) + "\n");
        assertEquals(null, CheckpointHash.known(cache, dir), "a changed file is hashed again");
        load(dir, Quantization.NONE, false);
        String after = CheckpointHash.known(cache, dir);
        assertNotEquals(before, after);
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".packed")).count());
        }
    }

    /** Loads and frees the weights, checking whether the matrices were read from the cache file. */
    private List<PackedMatrix> load(Path dir, Quantization q, boolean cached) {
        ModelWeights w = ModelWeights.acquire(dir, q, false, cache);
        try {
            assertEquals(cached, w.fromCache, cached ? "read from the cache file" : "packed from the checkpoint");
            return w.matrices();
        } finally {
            w.release();
        }
    }

    private Path onlyFile() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".packed")).toList();
            assertEquals(1, files.size(), files.toString());
            return files.getFirst();
        }
    }
}

package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.patchwork.registry.store.ContentHash;
import ai.patchwork.testsupport.fixtures.SafetensorsBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One pass over received weights copies them exactly, hashes them as a file hash does, and finds non-finite values. */
class WeightsScanTest {
    private static final String FIRST = "first";
    private static final String SECOND = "second";

    @TempDir
    Path tmp;

    /** Two tensors of several 64 KiB blocks each, so values are checked in every block. */
    private static byte[] weights(String dtype) {
        return SafetensorsBytes.builder(3)
                .tensor(FIRST, dtype, 300, 300)
                .tensor(SECOND, dtype, 300, 300)
                .build();
    }

    private WeightsScan received(byte[] bytes) throws IOException {
        Path copy = tmp.resolve("copy");
        WeightsScan scan = WeightsScan.copy(new ByteArrayInputStream(bytes), bytes.length, copy);
        assertArrayEquals(bytes, Files.readAllBytes(copy), "the copy is the bytes received");
        return scan;
    }

    @Test
    void theCopyAndTheHashAreThoseOfTheBytesReceived() throws IOException {
        byte[] bytes = weights("F32");
        WeightsScan scan = received(bytes);
        Path file = tmp.resolve("file");
        Files.write(file, bytes);
        assertEquals(ContentHash.of(file), scan.hash());
        WeightsScan read = WeightsScan.of(file);
        assertEquals(scan.hash(), read.hash(), "a file read once finds the same");
        assertArrayEquals(scan.first(), read.first());
        assertEquals(scan.header().dataStart(), read.header().dataStart());
        assertNotNull(scan.header());
        assertNull(scan.headerError());
        assertNull(scan.nonFinite());
    }

    @Test
    void theFirstTensorWithANonFiniteValueIsNamedWhereverTheValueLies() throws IOException {
        for (String dtype : new String[] {"F32", "BF16", "F16"}) {
            byte[] bytes = weights(dtype);
            int width = dtype.equals("F32") ? 4 : 2;
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            int dataStart = (int) (8 + n);
            if (!dtype.equals("F32")) Arrays.fill(bytes, dataStart, bytes.length, (byte) 0); // random bits: zeros
            int last = bytes.length - width; // the second tensor's last value
            bytes[last + width - 1] = (byte) 0x7f; // sign 0, exponent all ones in every dtype's top byte …
            bytes[last + width - 2] = (byte) 0xff; // … and the rest of it: NaN
            assertEquals(SECOND, received(bytes).nonFinite(), dtype);
            bytes[dataStart + width - 1] = (byte) 0xff;
            bytes[dataStart + width - 2] = (byte) 0xff;
            assertEquals(FIRST, received(bytes).nonFinite(), dtype + ": the first tensor is named first");
        }
    }

    @Test
    void aHeaderThatDoesNotParseIsReportedNotThrownAndTheBytesStillPass() throws IOException {
        byte[] bytes = SafetensorsBytes.file("{\"t\": 1}", new byte[100]);
        WeightsScan scan = received(bytes);
        assertNull(scan.header());
        assertNotNull(scan.headerError());
        assertEquals(bytes.length, scan.hash().size());
    }

    /**
     * A stream whose length is known only at its end (a multipart part) is scanned to the same findings as a file of
     * those bytes: the header is checked against the length once it is known.
     */
    @Test
    void aStreamOfUnknownLengthFindsWhatTheFileFinds() throws IOException {
        byte[] good = weights("F32");
        byte[] nan = good.clone();
        nan[nan.length - 1] = (byte) 0x7f;
        nan[nan.length - 2] = (byte) 0xff;
        byte[][] cases = {
            good,
            nan,
            Arrays.copyOf(good, good.length - 4), // the last tensor ends past the data section
            Arrays.copyOf(good, 20), // the header runs past the end
            Arrays.copyOf(good, 5), // shorter than the length bytes
            SafetensorsBytes.file("{not json", new byte[16]),
            SafetensorsBytes.file(1_000_000, new byte[100]),
            SafetensorsBytes.file("{\"t\": 1}", new byte[100])
        };
        for (int i = 0; i < cases.length; i++) {
            Path file = tmp.resolve("file");
            Files.write(file, cases[i]);
            WeightsScan want = WeightsScan.of(file);
            Path copy = tmp.resolve("streamed");
            WeightsScan got = WeightsScan.copy(new ByteArrayInputStream(cases[i]), copy);
            assertArrayEquals(cases[i], Files.readAllBytes(copy), "case " + i + ": the copy");
            assertEquals(want.hash(), got.hash(), "case " + i);
            assertArrayEquals(want.first(), got.first(), "case " + i);
            assertEquals(want.nonFinite(), got.nonFinite(), "case " + i);
            assertEquals(want.header() == null, got.header() == null, "case " + i + ": header parses");
            if (want.header() != null) {
                assertEquals(want.header().dataStart(), got.header().dataStart(), "case " + i);
                assertEquals(
                        want.header().tensors().keySet(), got.header().tensors().keySet(), "case " + i);
            }
            assertEquals(
                    want.headerError() == null ? null : want.headerError().getMessage(),
                    got.headerError() == null ? null : got.headerError().getMessage(),
                    "case " + i + ": header error");
        }
    }
}

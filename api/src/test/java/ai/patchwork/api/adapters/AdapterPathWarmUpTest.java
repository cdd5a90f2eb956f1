package ai.patchwork.api.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The start-up warm-up's synthetic weights look like trained ones to the code that scans an upload. */
class AdapterPathWarmUpTest {

    @Test
    void weightValuesAreSmallFiniteAndTheirBytesTakeEveryValue() {
        float[] v = AdapterPathWarmUp.values(1 << 16);
        ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            assertTrue(Float.isFinite(x) && x >= -0.125f && x < 0.125f, "value " + x);
            bytes.putFloat(x);
        }
        boolean[] seen = new boolean[256];
        for (byte b : bytes.array()) seen[b & 0xff] = true;
        int count = 0;
        for (boolean s : seen) count += s ? 1 : 0;
        // among them the bytes a multipart boundary starts with, which the parser's boundary search must handle
        assertEquals(256, count);
        assertTrue(seen['\r'] && seen['\n'] && seen['-']);
    }

    @Test
    void weightValuesAreTheSameEveryStart() {
        assertArrayEquals(AdapterPathWarmUp.values(1000), AdapterPathWarmUp.values(1000));
    }
}

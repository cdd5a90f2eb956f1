package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Blocks of packed weights start {@link OffHeap#SKEW} bytes past a 256-byte boundary, mapped or from the arena. */
class OffHeapTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 4096, 1 << 20, (2 << 20) + 3, 5L << 20})
    void startsSkewedPastA256ByteBoundaryAndHoldsItsBytes(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = OffHeap.allocate(bytes, arena);
            assertEquals(bytes, s.byteSize());
            assertEquals(OffHeap.SKEW, s.address() % 256);
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 9);
            assertEquals(bytes == 1 ? 9 : 7, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(9, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
        }
    }
}

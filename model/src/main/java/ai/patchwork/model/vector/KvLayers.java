package ai.patchwork.model.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The keys and values of every layer, one segment of each per layer, as {@link VectorKvCache} and
 * {@link VectorKvBlocks} hold them: off the Java heap ({@link OffHeap}), freed when the arena closes.
 *
 * @param keys {@code [layer]}, laid out by the holder
 * @param values {@code [layer]}, laid out by the holder
 */
record KvLayers(MemorySegment[] keys, MemorySegment[] values) {

    /** {@code layers} layers of {@code layerBytes} keys and as many values, allocated layer by layer. */
    static KvLayers allocate(int layers, long layerBytes, Arena arena) {
        MemorySegment[] keys = new MemorySegment[layers];
        MemorySegment[] values = new MemorySegment[layers];
        for (int layer = 0; layer < layers; layer++) {
            keys[layer] = OffHeap.allocate(layerBytes, arena);
            values[layer] = OffHeap.allocate(layerBytes, arena);
        }
        return new KvLayers(keys, values);
    }
}

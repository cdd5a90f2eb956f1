package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.ResidentAdapter;
import ai.patchwork.model.lora.StoredLora;
import ai.patchwork.model.nn.Projection;
import jdk.incubator.vector.FloatVector;

/**
 * An adapter packed as {@link VectorLoraSlots} hold it: per layer one array with, projection after projection, A (r,
 * in) packed for {@link Gemm} and s·B in the layout of {@link Expand}, in the slots' {@link AdapterStorage}. It is
 * both the host tier's copy and, once placed, a slot's: the slots read these arrays, which never change.
 *
 * @param layers [layer] → the packed weights, or null for a layer the adapter does not adapt
 * @param ranks [layer][projection]: 0 where the adapter has no such module
 * @param aAt [layer][projection]: where A starts in the layer's array
 * @param bAt [layer][projection]: where s·B starts
 * @param scales [layer][projection · maxRank + k]: rank k's scale of A times that of s·B (16-bit integers), or null
 */
record PackedAdapter(
        String id,
        int rank,
        AdapterStorage storage,
        int maxRank,
        WeightArray[] layers,
        int[][] ranks,
        int[][] aAt,
        int[][] bAt,
        float[][] scales)
        implements ResidentAdapter {

    /**
     * Packs an adapter: in {@link AdapterStorage#INT16} from its stored tensors when its reader offers them
     * ({@link LoraModules#stored}), one row of A or one B in float32 at a time ({@link #packStored}), else as
     * {@link #packReference} does.
     */
    static PackedAdapter pack(LoraModules adapter, ModelConfig config, int maxRank, AdapterStorage storage) {
        if (storage == AdapterStorage.INT16) {
            StoredLora[][] stored = stored(adapter, config);
            if (stored != null) return packStored(adapter, stored, config, maxRank);
        }
        return packReference(adapter, config, maxRank, storage);
    }

    /** [layer][projection] → the module as stored, or null when the reader offers none of them so. */
    private static StoredLora[][] stored(LoraModules adapter, ModelConfig config) {
        StoredLora[][] stored = new StoredLora[config.numLayers()][Projection.values().length];
        boolean any = false;
        for (int l = 0; l < stored.length; l++) {
            for (Projection proj : Projection.values()) {
                stored[l][proj.ordinal()] = adapter.stored(l, proj);
                any |= stored[l][proj.ordinal()] != null;
            }
        }
        return any ? stored : null;
    }

    /**
     * Packs an adapter in {@link AdapterStorage#INT16} from its stored tensors: each layer's 16-bit array is written
     * directly ({@link Int16Pack}), with no float32 copy of a module or a layer. Exactly {@link #packReference}'s
     * result.
     */
    static PackedAdapter packStored(LoraModules adapter, StoredLora[][] stored, ModelConfig config, int maxRank) {
        PackedAdapter packed = empty(adapter, config, maxRank, AdapterStorage.INT16);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        Int16Pack packer = new Int16Pack();
        float[] sa = new float[maxRank];
        float[] sb = new float[maxRank];
        for (int l = 0; l < stored.length; l++) {
            int size = 0;
            for (StoredLora w : stored[l]) {
                if (w != null) size += w.rank() * w.in() + Expand.chunks(w.out()) * w.rank() * lanes;
            }
            if (size == 0) continue;
            short[] layer = new short[size];
            packed.scales[l] = new float[stored[l].length * maxRank];
            int at = 0;
            for (StoredLora w : stored[l]) {
                if (w == null) continue;
                int i = w.projection().ordinal();
                packed.ranks[l][i] = w.rank();
                packed.aAt[l][i] = at;
                packer.packA(w, layer, at, sa);
                at += w.rank() * w.in();
                packed.bAt[l][i] = at;
                at += packer.packB(w, layer, at, sb);
                for (int k = 0; k < w.rank(); k++) packed.scales[l][i * maxRank + k] = sa[k] * sb[k];
            }
            packed.layers[l] = new WeightArray(null, null, layer);
        }
        return packed;
    }

    private static PackedAdapter empty(LoraModules adapter, ModelConfig config, int maxRank, AdapterStorage storage) {
        int n = config.numLayers();
        int p = Projection.values().length;
        return new PackedAdapter(
                adapter.id(),
                adapter.rank(),
                storage,
                maxRank,
                new WeightArray[n],
                new int[n][p],
                new int[n][p],
                new int[n][p],
                new float[n][]);
    }

    /**
     * Packs an adapter, one module in float32 at a time: a 16-bit layer is quantized as it is packed, so nothing
     * larger than one layer is ever held in float32 besides the result. The simple path, and the reference of
     * {@link #packStored}.
     */
    static PackedAdapter packReference(LoraModules adapter, ModelConfig config, int maxRank, AdapterStorage storage) {
        int n = config.numLayers();
        int p = Projection.values().length;
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        PackedAdapter packed = empty(adapter, config, maxRank, storage);
        boolean int16 = storage == AdapterStorage.INT16;
        LoraWeights[] modules = new LoraWeights[p];
        for (int l = 0; l < n; l++) {
            int size = 0;
            for (Projection proj : Projection.values()) {
                LoraWeights w = adapter.module(l, proj);
                modules[proj.ordinal()] = w;
                if (w != null) size += w.rank() * w.in() + Expand.chunks(w.out()) * w.rank() * lanes;
            }
            if (size == 0) continue;
            float[] layer = new float[size];
            if (int16) packed.scales[l] = new float[p * maxRank];
            int at = 0;
            for (LoraWeights w : modules) {
                if (w == null) continue;
                int i = w.projection().ordinal();
                float[] a = w.a();
                float[] sb = w.scaledB();
                if (int16) {
                    float[] qa = new float[a.length];
                    float[] qb = new float[sb.length];
                    for (int k = 0; k < w.rank(); k++) {
                        float sa = Int16.quantize(a, k * w.in(), w.in(), 1, qa); // row k of A (r, in)
                        packed.scales[l][i * maxRank + k] = sa * Int16.quantize(sb, k, w.out(), w.rank(), qb); // col k
                    }
                    a = qa;
                    sb = qb;
                }
                packed.ranks[l][i] = w.rank();
                packed.aAt[l][i] = at;
                Gemm.pack(a, w.rank(), w.in(), layer, at);
                at += w.rank() * w.in();
                packed.bAt[l][i] = at;
                at += Expand.layout(sb, w.out(), w.rank(), layer, at);
            }
            packed.layers[l] = int16 ? WeightArray.int16(layer) : WeightArray.of(layer);
        }
        return packed;
    }

    @Override
    public long bytes() {
        long bytes = 0;
        for (WeightArray layer : layers) bytes += layer == null ? 0 : layer.bytes();
        for (float[] s : scales) bytes += s == null ? 0 : (long) Float.BYTES * s.length;
        return bytes;
    }
}

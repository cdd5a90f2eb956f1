package ai.patchwork.serving;

import java.util.List;

/**
 * The rows of one decode step, laid out for the model's fast paths.
 *
 * <p>When the decoding sequences occupy KV slots 0..B-1, the cache is read as a view; any other set of slots is
 * gathered, a copy of every key and value each step. So when the sequences leave only a few holes below the highest
 * slot in use, the holes are filled with <i>filler rows</i>: row i is KV slot i for i = 0..hi, and a filler row feeds
 * a dummy token whose logits are dropped. A filler writes one garbage key/value at a position its slot has not
 * reached yet (the next position of a prefilling sequence, or anywhere in a free slot), which that slot's own
 * sequence overwrites before it ever attends to it, so fillers never change a real sequence's output.
 *
 * <p>A filler's LoRA slot is free too: it takes the one slot every real row uses, which keeps the shared-adapter fast
 * path, or else 0. With different adapters the model runner maps rows to the {@link LoraRows} aligned with the KV
 * slots, so a filler reads its own slot's row and the mapping stays consecutive.
 */
record DecodeRows(Sequence[] sequences, int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots) {

    /**
     * @param bySlot the sequence in each KV slot, or null
     * @param decoding the sequences to decode, in KV slot order
     * @param fillHoles whether the runner wants filler rows ({@link ModelRunner#fillsHoles()})
     */
    static DecodeRows plan(Sequence[] bySlot, List<Sequence> decoding, boolean fillHoles) {
        int n = decoding.size();
        int hi = decoding.get(n - 1).kvSlot;
        int holes = hi + 1 - n;
        boolean fill = fillHoles && holes > 0 && holes <= Math.max(2, n / 2);
        int rows = fill ? hi + 1 : n;
        Sequence[] seqs = new Sequence[rows];
        int[][] tokens = new int[rows][1];
        int[] positions = new int[rows];
        int[] kv = new int[rows];
        int[] lora = new int[rows];
        int shared = sharedLoraSlot(decoding);
        for (int i = 0; i < rows; i++) {
            Sequence s = fill ? bySlot[i] : decoding.get(i);
            if (s != null && s.state == Sequence.State.DECODE) {
                seqs[i] = s;
                tokens[i][0] = s.lastToken();
                positions[i] = s.decodePosition();
                kv[i] = s.kvSlot;
                lora[i] = loraSlot(s);
            } else {
                kv[i] = i;
                positions[i] = s == null ? 0 : s.prefilled(); // overwritten by the slot's own next chunk
                lora[i] = Math.max(shared, 0);
            }
        }
        return new DecodeRows(seqs, tokens, positions, kv, lora);
    }

    static int loraSlot(Sequence s) {
        return s.lease == null ? 0 : s.lease.slot();
    }

    /** The LoRA slot all real rows use, or -1 when they differ. */
    private static int sharedLoraSlot(List<Sequence> decoding) {
        int first = loraSlot(decoding.get(0));
        for (Sequence s : decoding) if (loraSlot(s) != first) return -1;
        return first;
    }

    int size() {
        return kvSlots.length;
    }
}

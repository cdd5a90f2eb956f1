package ai.patchwork.model.vector;

/**
 * The token rows of one step (llama2.c's RunState for a batch): row r is token {@code pos[r]} of the sequence in KV
 * slot {@code kvSlot[r]}, using LoRA slot {@code loraSlot[r]}; rows of a sequence are consecutive. Holds the step's
 * activations, sized for up to {@link #capacity} rows and reused by every layer and, through
 * {@link VectorTransformer}, by the next step that fits: a decode step then writes activations that are still in
 * cache instead of fresh memory the allocator has to zero first.
 */
final class StepRows {

    int count;
    final int capacity;
    final int[] kvSlot;
    final int[] pos;
    final int[] loraSlot;
    int[] last; // per sequence: its last row
    final float[] x; // (R, E) residual stream
    final float[] h; // (R, E) normed input of a sublayer
    final float[] qkv; // (R, (N+2K)·H)
    final float[] attended; // (R, N·H)
    final float[] out; // (R, E) sublayer output
    final float[] gateUp; // (R, 2·I)
    final float[] act; // (R, I)
    final float[] delta; // (R, D) the LoRA deltas of one matmul's projections, D its width; empty without adapters
    final float[][] rank; // per thread lane, LoRA scratch: A·x of two rows
    final float[][] wide; // per thread lane, LoRA scratch: one module held in fewer bits widened to float32
    final float[][] scores; // per thread lane, attention scratch: one query's scores over the attended positions

    /** Room for {@code capacity} rows; {@code positions}: the longest a row may attend over (the cache capacity). */
    StepRows(
            int capacity,
            int e,
            int qkvWidth,
            int nh,
            int inter,
            int maxRank,
            int widen,
            int positions,
            int lanes,
            boolean adapters) {
        this.capacity = capacity;
        this.kvSlot = new int[capacity];
        this.pos = new int[capacity];
        this.loraSlot = new int[capacity];
        this.x = new float[capacity * e];
        this.h = new float[capacity * e];
        this.qkv = new float[capacity * qkvWidth];
        this.attended = new float[capacity * nh];
        this.out = new float[capacity * e];
        this.gateUp = new float[capacity * 2 * inter];
        this.act = new float[capacity * inter];
        this.delta = new float[adapters ? capacity * Math.max(Math.max(qkvWidth, 2 * inter), e) : 0];
        this.rank = new float[lanes][2 * maxRank];
        this.wide = new float[lanes][widen];
        this.scores = new float[lanes][positions];
    }

    /** Whether a step of {@code rows} rows with these adapter and thread settings can run in this one. */
    boolean fits(int rows, int maxRank, int widen, int positions, int lanes, boolean adapters) {
        return rows <= capacity
                && 2 * maxRank <= rank[0].length
                && widen <= wide[0].length
                && positions <= scores[0].length
                && lanes <= rank.length
                && (!adapters || delta.length > 0);
    }

    /** Lays out the step's rows: each sequence's tokens, from its start position, in its KV and LoRA slots. */
    void assign(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots) {
        int r = 0;
        last = new int[tokens.length];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length == 0) throw new IllegalArgumentException("sequence " + b + " has no tokens");
            for (int j = 0; j < tokens[b].length; j++, r++) {
                kvSlot[r] = kvSlots[b];
                pos[r] = starts[b] + j;
                loraSlot[r] = loraSlots == null ? 0 : loraSlots[b];
            }
            last[b] = r - 1;
        }
        count = r;
    }
}

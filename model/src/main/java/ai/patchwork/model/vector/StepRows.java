package ai.patchwork.model.vector;

/**
 * The token rows of one step (llama2.c's RunState for a batch): row r is token {@code pos[r]} of the sequence in KV
 * slot {@code kvSlot[r]}, using LoRA slot {@code loraSlot[r]}; rows of a sequence are consecutive. Holds the step's
 * activations, allocated once per step and reused by every layer.
 */
final class StepRows {

  final int count;
  final int[] kvSlot;
  final int[] pos;
  final int[] loraSlot;
  final int[] last; // per sequence: its last row
  final float[] x; // (R, E) residual stream
  final float[] h; // (R, E) normed input of a sublayer
  final float[] qkv; // (R, (N+2K)·H)
  final float[] attended; // (R, N·H)
  final float[] out; // (R, E) sublayer output
  final float[] gateUp; // (R, 2·I)
  final float[] act; // (R, I)
  final float[] delta; // (R, D) the LoRA deltas of one matmul's projections, D its width; empty without adapters
  final float[][] rank; // per thread lane, LoRA scratch: A·x of two rows
  final float[][] wide; // per thread lane, LoRA scratch: one bfloat16 module widened to float32
  final float[][] scores; // per thread lane, attention scratch: one query's scores over the attended positions

  StepRows(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots, int e, int qkvWidth, int nh, int inter,
      int maxRank, int widen, int longest, int lanes, boolean adapters) {
    int n = 0;
    for (int[] t : tokens) n += t.length;
    this.count = n;
    this.kvSlot = new int[n];
    this.pos = new int[n];
    this.loraSlot = new int[n];
    this.last = new int[tokens.length];
    int r = 0;
    for (int b = 0; b < tokens.length; b++) {
      if (tokens[b].length == 0) throw new IllegalArgumentException("sequence " + b + " has no tokens");
      for (int j = 0; j < tokens[b].length; j++, r++) {
        kvSlot[r] = kvSlots[b];
        pos[r] = starts[b] + j;
        loraSlot[r] = loraSlots == null ? 0 : loraSlots[b];
      }
      last[b] = r - 1;
    }
    this.x = new float[n * e];
    this.h = new float[n * e];
    this.qkv = new float[n * qkvWidth];
    this.attended = new float[n * nh];
    this.out = new float[n * e];
    this.gateUp = new float[n * 2 * inter];
    this.act = new float[n * inter];
    this.delta = new float[adapters ? n * Math.max(Math.max(qkvWidth, 2 * inter), e) : 0];
    this.rank = new float[lanes][2 * maxRank];
    this.wide = new float[lanes][widen];
    this.scores = new float[lanes][longest];
  }
}

package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight arrays read as fast as memory allows: a SIMD sum with nothing else to wait on, four arrays side by side as
 * four streams (more cache misses in flight than one). What {@link VectorLoraSlots#stream} times to find the floor
 * under a step's LoRA deltas; the sums only keep the reads from being optimized away.
 */
final class PlainReads {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> H = ShortVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final int HL = H.length();

  private PlainReads() {}

  /** Reads four arrays, side by side as far as the shortest goes (float32), then each one's rest. */
  static float four(WeightArray[] w) {
    if (w[0].f32() == null || w[1].f32() == null || w[2].f32() == null || w[3].f32() == null) {
      return one(w[0]) + one(w[1]) + one(w[2]) + one(w[3]);
    }
    float[] a = w[0].f32(), b = w[1].f32(), c = w[2].f32(), d = w[3].f32();
    int common = Math.min(Math.min(a.length, b.length), Math.min(c.length, d.length)) / L * L;
    FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
    for (int i = 0; i < common; i += L) {
      s0 = s0.add(FloatVector.fromArray(S, a, i));
      s1 = s1.add(FloatVector.fromArray(S, b, i));
      s2 = s2.add(FloatVector.fromArray(S, c, i));
      s3 = s3.add(FloatVector.fromArray(S, d, i));
    }
    float s = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    return s + sum(a, common) + sum(b, common) + sum(c, common) + sum(d, common);
  }

  /** Reads one array. */
  static float one(WeightArray w) {
    return w.f32() != null ? sum(w.f32(), 0) : sum(shorts(w), 0);
  }

  private static short[] shorts(WeightArray w) {
    return w.half() ? w.bf16() : w.i16();
  }

  /** h[from ..] summed a vector at a time (a last partial vector left out). */
  private static float sum(short[] h, int from) {
    ShortVector s = ShortVector.zero(H);
    for (int i = from; i + HL <= h.length; i += HL) s = s.add(ShortVector.fromArray(H, h, i));
    return s.reduceLanes(VectorOperators.ADD);
  }

  /** a[from ..] summed a vector at a time (a last partial vector left out: the reads are the point). */
  private static float sum(float[] a, int from) {
    FloatVector s = FloatVector.zero(S);
    for (int i = from; i + L <= a.length; i += L) s = s.add(FloatVector.fromArray(S, a, i));
    return s.reduceLanes(VectorOperators.ADD);
  }
}

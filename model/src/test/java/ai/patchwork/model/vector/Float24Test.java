package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The 24-bit format: its rounding, and the SIMD load and widening against the scalar decode. */
class Float24Test {

  private static final int L = FloatVector.SPECIES_PREFERRED.length();

  @Test
  void roundsToNearestWithinTwoToTheMinus16() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 100_000; i++) {
      float v = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8)));
      float got = Float24.rounded(v);
      assertTrue(Math.abs(got - v) <= Math.abs(v) * 0x1p-16, v + " → " + got);
      assertEquals(0, Float.floatToRawIntBits(got) & 0xff, "the low byte is dropped");
      float down = Float.intBitsToFloat(Float.floatToRawIntBits(v) & ~0xff); // truncated: one of the two neighbours
      float up = Float.intBitsToFloat((Float.floatToRawIntBits(v) & ~0xff) + 0x100);
      assertTrue(Math.abs(got - v) <= Math.min(Math.abs(down - v), Math.abs(up - v)), "nearest of the two for " + v);
    }
  }

  @Test
  void exactWhereTheValueFitsAndTiesGoToEven() {
    for (float v : new float[] {0f, -0f, 1f, -2.5f, 0.0625f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x3f812300)}) {
      assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(Float24.rounded(v)), "exact: " + v);
    }
    assertEquals(0x3f8000, Float24.round(Float.intBitsToFloat(0x3f800080)), "a tie rounds down to an even mantissa");
    assertEquals(0x3f8002, Float24.round(Float.intBitsToFloat(0x3f800180)), "a tie rounds up to an even mantissa");
    assertEquals(0x3f8001, Float24.round(Float.intBitsToFloat(0x3f800081)), "past the tie: up");
    assertEquals(0x400000, Float24.round(Float.intBitsToFloat(0x3fffff80)), "the mantissa carries into the exponent");
    assertTrue(Float.isNaN(Float24.rounded(Float.intBitsToFloat(0x7fffffff))), "a NaN stays a NaN");
    assertEquals(Float.POSITIVE_INFINITY, Float24.rounded(Float.MAX_VALUE), "past the largest 24-bit float: infinity");
  }

  @ParameterizedTest
  @CsvSource({"0, 1", "0, 16", "3, 37", "5, 64", "0, 250"})
  void loadAndWidenGiveTheScalarDecode(int off, int len) {
    SplittableRandom r = new SplittableRandom(off * 100L + len);
    float[] values = new float[off + len];
    for (int i = 0; i < values.length; i++) values[i] = (float) r.nextGaussian();
    byte[] w = Float24.narrow(values);
    assertEquals(3 * values.length + L, w.length, "three bytes a value, then the padding a load may read");
    for (int i = 0; i < values.length; i++) assertEquals(Float24.rounded(values[i]), Float24.value(w, i), "value " + i);
    float[] wide = new float[len + 2];
    Float24.widen(w, off, wide, 1, len);
    for (int i = 0; i < len; i++) assertEquals(Float24.value(w, off + i), wide[1 + i], "widened " + i);
    for (int i = 0; i + L <= values.length; i++) { // every start, the last vector included: it reads the padding
      float[] lanes = Float24.load(w, i).toArray();
      for (int lane = 0; lane < L; lane++) assertEquals(Float24.value(w, i + lane), lanes[lane], "load at " + i);
    }
  }
}

package ai.patchwork.model.sample;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy (argmax, lowest id on ties) or temperature sampling with top-k and
 * top-p (nucleus, Holtzman et al. 2019) filtering. Each sequence owns a sampler and its seeded random stream, so a
 * seed reproduces the same tokens whatever else is in the batch.
 */
public final class Sampler {

  private final SamplingParams params;
  private final SplittableRandom random;

  public Sampler(SamplingParams params) {
    this.params = params;
    this.random = new SplittableRandom(params.seed());
  }

  public int next(float[] logits) {
    if (params.greedy()) return argmax(logits);
    int v = logits.length;
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) order[i] = i;
    Arrays.sort(order, (x, y) -> logits[y] != logits[x] ? Float.compare(logits[y], logits[x]) : Integer.compare(x, y));
    int keep = params.topK() > 0 ? Math.min(params.topK(), v) : v;
    double max = logits[order[0]];
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp((logits[order[i]] - max) / params.temperature());
      sum += p[i];
    }
    // Nucleus: the smallest prefix of the sorted distribution whose mass reaches top_p.
    double mass = 0;
    int cut = keep;
    for (int i = 0; i < keep; i++) {
      mass += p[i] / sum;
      if (mass >= params.topP()) {
        cut = i + 1;
        break;
      }
    }
    double total = 0;
    for (int i = 0; i < cut; i++) total += p[i];
    double u = random.nextDouble() * total;
    for (int i = 0; i < cut; i++) {
      u -= p[i];
      if (u <= 0) return order[i];
    }
    return order[cut - 1];
  }

  /** Index of the largest logit; the lowest index wins ties. */
  public static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
}

package ai.patchwork.model.sample;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy (argmax, lowest id on ties) or temperature sampling with top-k,
 * top-p (nucleus, Holtzman et al. 2019) and min-p filtering. Each sequence owns a sampler and its seeded random
 * stream, so a seed reproduces the same tokens whatever else is in the batch.
 *
 * <p>With {@link Penalties}, the sampler keeps the counts of the tokens it picked and adjusts a copy of each row
 * before picking: logit bias, then the repetition penalty (prompt and output tokens), then the presence and frequency
 * penalties (output tokens). The caller's logits are never modified.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final Penalties penalties;
    private final Set<Integer> promptTokens = new HashSet<>();
    private final Map<Integer, Integer> outputCounts = new HashMap<>();

    public Sampler(SamplingParams params) {
        this(params, new int[0]);
    }

    /** @param prompt the prompt's token ids, read by the repetition penalty */
    public Sampler(SamplingParams params, int[] prompt) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.penalties = params.penalties();
        if (penalties.readsPrompt()) for (int id : prompt) promptTokens.add(id);
    }

    public int next(float[] logits) {
        float[] row = penalties.none() ? logits : adjusted(logits);
        int id = pick(row);
        if (!penalties.none()) outputCounts.merge(id, 1, Integer::sum);
        return id;
    }

    /** A copy of the logits with the bias and penalties applied. */
    float[] adjusted(float[] logits) {
        float[] row = logits.clone();
        for (var e : penalties.logitBias().entrySet()) {
            if (e.getKey() < row.length) row[e.getKey()] += e.getValue().floatValue();
        }
        double r = penalties.repetition();
        if (r != 1) {
            Set<Integer> seen = new HashSet<>(promptTokens);
            seen.addAll(outputCounts.keySet());
            for (int id : seen) if (id < row.length) row[id] = (float) (row[id] > 0 ? row[id] / r : row[id] * r);
        }
        for (var e : outputCounts.entrySet()) {
            int id = e.getKey();
            if (id < row.length) {
                row[id] -= (float) (penalties.frequency() * e.getValue() + penalties.presence());
            }
        }
        return row;
    }

    private int pick(float[] logits) {
        if (params.greedy()) return argmax(logits);
        int v = logits.length;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(
                order, (x, y) -> logits[y] != logits[x] ? Float.compare(logits[y], logits[x]) : Integer.compare(x, y));
        int keep = params.topK() > 0 ? Math.min(params.topK(), v) : v;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / params.temperature());
            sum += p[i];
        }
        // min-p: p[0] is the most likely token's weight (1), so the threshold is min_p itself in these units.
        if (params.minP() > 0) {
            int kept = 1;
            while (kept < keep && p[kept] >= params.minP() * p[0]) kept++;
            for (int i = kept; i < keep; i++) sum -= p[i];
            keep = kept;
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

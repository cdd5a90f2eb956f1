package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.train.GrpoStepResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** GRPO's numbers averaged over the steps since the last progress event (each step weighs the same). */
final class RewardWindow {

    private double reward;
    private double rewardStd;
    private double zeroStd;
    private double kl;
    private double length;
    private double clip;
    private int steps;
    private long since = System.nanoTime();
    private Map<String, Object> last;

    void add(GrpoStepResult r) {
        reward += r.rewardMean();
        rewardStd += r.rewardStd();
        zeroStd += r.zeroStdFraction();
        kl += r.kl();
        length += r.completionLength();
        clip += r.clipFraction();
        steps++;
    }

    /** The window's means as event data ({@code reward_mean}, …, {@code seconds_per_step}), and a fresh window. */
    Map<String, Object> drain() {
        int n = Math.max(1, steps);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reward_mean", reward / n);
        m.put("reward_std", rewardStd / n);
        m.put("frac_reward_zero_std", zeroStd / n);
        m.put("kl", kl / n);
        m.put("completion_length", length / n);
        m.put("clip_fraction", clip / n);
        m.put("seconds_per_step", (System.nanoTime() - since) / 1e9 / n);
        reward = rewardStd = zeroStd = kl = length = clip = 0;
        steps = 0;
        since = System.nanoTime();
        last = m;
        return m;
    }

    /** The last drained window, or null. */
    Map<String, Object> last() {
        return last;
    }
}

package ai.patchwork.model.generate;

import ai.patchwork.model.generate.Generation.Ending;
import ai.patchwork.model.sample.Sampler;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.Arrays;

/** One running sequence of a static batch: its tokens so far, its sampler and its stop checks. */
final class SequenceState {

    private final int index;
    private final GenerationRequest request;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final int promptLength;
    private int[] generated = new int[16];
    private int count;
    private float[] logitsLast;
    private Ending finish;
    private Integer stopId;

    SequenceState(int index, GenerationRequest request, Tokenizer tokenizer) {
        this.index = index;
        this.request = request;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(request.sampling(), request.promptIds());
        this.promptLength = request.promptIds().length;
        if (!request.sampling().stopStrings().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException("stop strings need a tokenizer");
        }
        if (request.sampling().maxTokens() == 0) finish = Ending.LENGTH;
    }

    int index() {
        return index;
    }

    GenerationRequest request() {
        return request;
    }

    boolean done() {
        return finish != null;
    }

    /** Tokens in the cache after the next step: prompt plus generated. */
    int length() {
        return promptLength + count;
    }

    int lastToken() {
        return generated[count - 1];
    }

    /** Takes the logits of the last position: samples, then checks the stop conditions. */
    void accept(float[] logits, boolean prefill) {
        if (prefill && request.keepLogits()) logitsLast = logits;
        if (finish != null) return;
        SamplingParams p = request.sampling();
        int id = sampler.next(logits);
        if (p.stopIds().contains(id)) {
            finish = Ending.STOP;
            stopId = id;
            return;
        }
        if (count == generated.length) generated = Arrays.copyOf(generated, count * 2);
        generated[count++] = id;
        if (!p.stopStrings().isEmpty()) {
            String text = tokenizer.decode(Arrays.copyOf(generated, count), false);
            for (String stop : p.stopStrings()) {
                if (text.contains(stop)) {
                    finish = Ending.STOP;
                    trimTo(text.substring(0, text.indexOf(stop)));
                    return;
                }
            }
        }
        if (count >= p.maxTokens()) finish = Ending.LENGTH;
    }

    /** Drops tokens until the decoded text no longer runs into the stop string. */
    private void trimTo(String kept) {
        while (count > 0
                && tokenizer.decode(Arrays.copyOf(generated, count), false).length() > kept.length()) count--;
    }

    Generation result() {
        return new Generation(
                request.promptIds(),
                Arrays.copyOf(generated, count),
                logitsLast,
                finish == null ? Ending.LENGTH : finish,
                stopId);
    }
}

package ai.patchwork.serving;

import ai.patchwork.model.sample.TokenLogprob;

/**
 * One step of a streamed generation. Every request gets a sequence of events whose {@code text} pieces concatenate
 * to the completion's text; exactly the last one has a {@code finishReason} and a {@code usage} (OpenAI's final
 * chunk), so a streaming client needs nothing else.
 *
 * @param index 0-based position of the event in the stream
 * @param tokenId the id generated at this step, or -1 for a final event that carries no token (a stop id was
 *     sampled, or the request was cancelled)
 * @param text the text this step completes: UTF-8-safe (never half a character) and held back while it could still
 *     become a stop string; often {@code ""}
 * @param finishReason null except on the last event
 * @param usage null except on the last event
 * @param logprob the token's log-probability and alternatives when the request asked for them and the event carries
 *     a token; else null
 */
public record TokenEvent(
        int index, int tokenId, String text, FinishReason finishReason, Usage usage, TokenLogprob logprob) {

    public TokenEvent {
        if (text == null) throw new IllegalArgumentException("text must not be null (use \"\")");
        if ((finishReason == null) != (usage == null)) {
            throw new IllegalArgumentException("finishReason and usage come together, on the last event only");
        }
    }

    /** Without a logprob. */
    public TokenEvent(int index, int tokenId, String text, FinishReason finishReason, Usage usage) {
        this(index, tokenId, text, finishReason, usage, null);
    }

    /** True on the last event of the stream. */
    public boolean last() {
        return finishReason != null;
    }
}

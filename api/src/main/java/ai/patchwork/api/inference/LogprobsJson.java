package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.sample.TokenLogprob;
import ai.patchwork.model.tokenizer.TokenBytes;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A choice's {@code logprobs} in OpenAI's two shapes: chat's {@code {"content": [{token, logprob, bytes,
 * top_logprobs}], "refusal": null}} and the legacy completions' {@code {tokens, token_logprobs, top_logprobs,
 * text_offset}}, for a whole completion or for the tokens of one streamed chunk. A token's {@code token} is its bytes
 * read as UTF-8 (U+FFFD for part of a character) and {@code bytes} its raw bytes, from the tokenizer's
 * {@link TokenBytes}.
 */
final class LogprobsJson {
    private final JsonMapper json;
    private final TokenBytes tokens;
    private final boolean chat;
    private int textOffset;

    LogprobsJson(JsonMapper json, TokenBytes tokens, boolean chat) {
        this.json = json;
        this.tokens = tokens;
        this.chat = chat;
    }

    /**
     * The engine's alternatives count for chat's {@code logprobs} and {@code top_logprobs}: -1 for none.
     *
     * @throws ApiException 400 for {@code top_logprobs} without {@code logprobs}, or out of [0, 20]
     */
    static int chat(Boolean logprobs, Integer topLogprobs) {
        boolean on = Boolean.TRUE.equals(logprobs);
        if (topLogprobs != null && !on) {
            throw ApiException.badRequest("top_logprobs", "invalid_value", "top_logprobs requires logprobs to be true");
        }
        if (!on) return -1;
        return alternatives("top_logprobs", topLogprobs == null ? 0 : topLogprobs);
    }

    /** The engine's alternatives count for the completions endpoint's integer {@code logprobs}: -1 for none. */
    static int completion(Integer logprobs) {
        return logprobs == null ? -1 : alternatives("logprobs", logprobs);
    }

    /** {@code count} when it is between 0 and {@link TokenLogprob#MAX_TOP}, else a 400 naming {@code param}. */
    private static int alternatives(String param, int count) {
        if (count < 0 || count > TokenLogprob.MAX_TOP) {
            throw ApiException.badRequest(
                    param,
                    "invalid_value",
                    param + " must be between 0 and " + TokenLogprob.MAX_TOP + ", got " + count);
        }
        return count;
    }

    /** The {@code logprobs} object of a choice (or chunk) covering {@code entries}, in generation order. */
    ObjectNode of(List<TokenLogprob> entries) {
        ObjectNode out = json.createObjectNode();
        if (chat) {
            ArrayNode content = out.putArray("content");
            for (TokenLogprob lp : entries) {
                ObjectNode entry = token(content.addObject(), lp.tokenId(), lp.logprob());
                ArrayNode top = entry.putArray("top_logprobs");
                for (int i = 0; i < lp.topCount(); i++) token(top.addObject(), lp.topId(i), lp.topLogprob(i));
            }
            out.putNull("refusal");
            return out;
        }
        ArrayNode texts = out.putArray("tokens");
        ArrayNode values = out.putArray("token_logprobs");
        ArrayNode tops = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        for (TokenLogprob lp : entries) {
            String text = tokens.text(lp.tokenId());
            texts.add(text);
            values.add(lp.logprob());
            ObjectNode top = tops.addObject();
            for (int i = 0; i < lp.topCount(); i++) {
                String t = tokens.text(lp.topId(i));
                if (!top.has(t)) top.put(t, lp.topLogprob(i)); // two ids with one text: the likelier one
            }
            offsets.add(textOffset);
            textOffset += text.length();
        }
        return out;
    }

    private ObjectNode token(ObjectNode node, int id, float logprob) {
        node.put("token", tokens.text(id));
        node.put("logprob", logprob);
        ArrayNode bytes = node.putArray("bytes");
        for (byte b : tokens.bytes(id)) bytes.add(b & 0xFF);
        return node;
    }
}

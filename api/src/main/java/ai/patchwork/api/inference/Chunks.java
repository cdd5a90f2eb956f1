package ai.patchwork.api.inference;

import ai.patchwork.model.sample.TokenLogprob;
import ai.patchwork.model.tokenizer.ToolCall;
import ai.patchwork.serving.Usage;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's streamed chunks of one response: {@code chat.completion.chunk} (a first chunk with the assistant role,
 * then content deltas, and tool calls in one delta at the end) or {@code text_completion} (text pieces); then a chunk with the finish reason and, with
 * {@code include_usage}, a last chunk with no choices and the usage. With {@code n > 1} every choice's chunks carry
 * its {@code index}, interleaved as the choices progress. Built as JSON trees rather than records because
 * {@code usage} must be present and null on every other chunk when usage is requested, and absent when it is not.
 */
final class Chunks {
    private final JsonMapper json;
    private final boolean chat;
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final boolean tokenIds;
    private final List<LogprobsJson> logprobs;

    /** @param logprobs one renderer of token logprobs per choice, or empty when the request did not ask for them */
    Chunks(
            JsonMapper json,
            boolean chat,
            String id,
            long created,
            String model,
            GenerationOptions options,
            List<LogprobsJson> logprobs) {
        this.json = json;
        this.chat = chat;
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = options.includeUsage();
        this.tokenIds = options.returnTokenIds();
        this.logprobs = List.copyOf(logprobs);
    }

    /** Whether chunks carry logprobs. */
    boolean logprobs() {
        return !logprobs.isEmpty();
    }

    /** Whether chunks carry token ids ({@code return_token_ids}). */
    boolean tokenIds() {
        return tokenIds;
    }

    /** The chunk before any text: chat announces the role; completions send nothing. */
    ObjectNode start(int index) {
        if (!chat) return null;
        ObjectNode root = chunk();
        ObjectNode c = choice(root, index);
        c.putObject("delta").put("role", "assistant").put("content", "");
        c.putNull("finish_reason");
        return root;
    }

    /**
     * A piece of text; with {@code return_token_ids}, the token it came from ({@code tokenId} -1: none); with logprobs,
     * the token's ({@code logprob} null: none).
     */
    ObjectNode delta(int index, String text, int tokenId, TokenLogprob logprob) {
        ObjectNode root = chunk();
        ObjectNode c = choice(root, index);
        if (logprobs() && logprob != null) c.set("logprobs", logprobs.get(index).of(List.of(logprob)));
        if (chat) c.putObject("delta").put("content", text);
        else c.put("text", text);
        c.putNull("finish_reason");
        if (tokenIds) {
            var ids = c.putArray("token_ids");
            if (tokenId >= 0) ids.add(tokenId);
        }
        return root;
    }

    /** The calls a chat reply makes, in one delta (each call whole, with its {@code index}). */
    ObjectNode toolCalls(int index, List<ToolCall> calls) {
        ObjectNode root = chunk();
        ObjectNode c = choice(root, index);
        c.putObject("delta").set("tool_calls", json.valueToTree(CompletionsResponse.ToolCallJson.of(calls, true)));
        c.putNull("finish_reason");
        return root;
    }

    /** The end of the choice. */
    ObjectNode finish(int index, String finishReason) {
        ObjectNode root = chunk();
        ObjectNode c = choice(root, index);
        if (chat) c.putObject("delta");
        else c.put("text", "");
        c.put("finish_reason", finishReason);
        return root;
    }

    /** The usage chunk ({@code include_usage} only): no choices. */
    ObjectNode usage(Usage u) {
        ObjectNode root = root();
        root.putArray("choices");
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", u.promptTokens());
        usage.put("completion_tokens", u.completionTokens());
        usage.put("total_tokens", u.totalTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        return root;
    }

    /** One chunk (or an error envelope, the last event of a failed stream) as one line of JSON. */
    String write(Object chunk) {
        return json.writeValueAsString(chunk);
    }

    private ObjectNode root() {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("object", chat ? "chat.completion.chunk" : "text_completion");
        root.put("created", created);
        root.put("model", model);
        root.putNull("system_fingerprint");
        return root;
    }

    private ObjectNode chunk() {
        ObjectNode root = root();
        if (includeUsage) root.putNull("usage");
        return root;
    }

    /** Adds the one choice to a chunk and returns the choice. */
    private static ObjectNode choice(ObjectNode chunk, int index) {
        ObjectNode c = chunk.putArray("choices").addObject();
        c.put("index", index);
        c.putNull("logprobs");
        return c;
    }
}

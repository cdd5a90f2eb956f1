package ai.patchwork.trainer.dataset;

import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.ChatTemplateException;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a reinforcement fine-tuning file: one {@code {"messages": [...], ...}} object per line, the conversation
 * ending with a user message (the model writes the next assistant turn), every other field kept as the line's
 * {@code item} for the grader. Each conversation is rendered by the base model's chat template with the generation
 * prompt and tokenized; a prompt that leaves no room for the completion in the model's context is refused.
 */
public final class PromptParser {

    private final Tokenizer tokenizer;
    private final int maxPromptTokens;

    /**
     * @param tokenizer the base model's tokenizer and chat template
     * @param maxPromptTokens the context minus the longest completion
     */
    public PromptParser(Tokenizer tokenizer, int maxPromptTokens) {
        if (maxPromptTokens < 1) throw new IllegalArgumentException("no room for a prompt in the context");
        this.tokenizer = tokenizer;
        this.maxPromptTokens = maxPromptTokens;
    }

    /**
     * @throws InvalidDatasetException naming the lines that are wrong
     */
    public List<PromptExample> parse(InputStream in) {
        return parse(in, JsonlLines.DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * @param maxLineBytes the longest line accepted
     * @throws InvalidDatasetException naming the lines that are wrong
     */
    public List<PromptExample> parse(InputStream in, int maxLineBytes) {
        return JsonlParser.lines(in, maxLineBytes, this::line);
    }

    /**
     * Checks the shape of every line without a tokenizer (what an upload can check before any job names a model),
     * keeping nothing.
     *
     * @param maxLineBytes the longest line accepted
     * @throws InvalidDatasetException naming the lines that are wrong
     */
    public static void checkShape(InputStream in, int maxLineBytes) {
        JsonlParser.lines(in, maxLineBytes, (lineNo, line) -> {
            conversation(lineNo, line);
            return null;
        });
    }

    /** A line's conversation and its item. */
    private record Conversation(List<ChatMessage> messages, ObjectNode item) {}

    private PromptExample line(int lineNo, String line) {
        Conversation c = conversation(lineNo, line);
        String prompt;
        try {
            prompt = tokenizer.chatTemplate().render(c.messages(), true);
        } catch (ChatTemplateException e) {
            throw new JsonlParser.LineException(
                    "the base model's chat template refused this conversation: " + e.getMessage());
        }
        int[] ids = tokenizer.encode(prompt);
        if (ids.length > maxPromptTokens) {
            throw new JsonlParser.LineException("the prompt is " + ids.length + " tokens long; with the completion it "
                    + "must fit the model's context, which leaves " + maxPromptTokens + " tokens for it");
        }
        return new PromptExample(lineNo, ids, c.item().toString());
    }

    private static Conversation conversation(int lineNo, String line) {
        JsonNode node = JsonlParser.object(line);
        if (!node.has("messages")) {
            throw new JsonlParser.LineException(
                    "has no \"messages\" (reinforcement fine-tuning files hold the prompt as "
                            + "{\"messages\": [...]} plus fields for the grader)");
        }
        JsonNode tools = node.path("tools");
        if (!tools.isMissingNode() && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
            throw new JsonlParser.LineException("\"tools\" is not supported (tool calling cannot be fine-tuned here)");
        }
        JsonNode messages = node.get("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new JsonlParser.LineException("\"messages\" must be a non-empty array");
        }
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) turns.add(JsonlParser.turn(messages.get(i), "messages[" + i + "]"));
        ToolShapes.checkConversation(turns, List.of(), "messages");
        List<ChatMessage> chat = turns.stream().map(Turn::message).toList();
        if (!chat.getLast().role().equals("user")) {
            throw new JsonlParser.LineException("the last message must be from the user (the model writes the answer); "
                    + "it is from the " + chat.getLast().role());
        }
        ObjectNode item = ((ObjectNode) node).deepCopy();
        item.remove("messages");
        item.remove("tools");
        return new Conversation(chat, item);
    }
}

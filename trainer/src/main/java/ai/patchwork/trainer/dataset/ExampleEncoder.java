package ai.patchwork.trainer.dataset;

import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.ChatTemplateException;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tokenizes examples with the base model's tokenizer and chat template, so that training sees exactly the tokens
 * that serving will feed the model for the same conversation.
 *
 * <p>Chat: the conversation is rendered incrementally, with the line's tools. For each assistant message i (its text
 * or its tool calls, in the template's own form), the text up to the generation
 * prompt ({@code render(messages[..i], add_generation_prompt=true)}) is context with weight 0, and the text the
 * template adds for message i ({@code render(messages[..i+1])} minus that prefix) is the target with the message's
 * weight, cut after the first end-of-turn token (a template's trailing newline is not something the model must
 * predict; generation stops at the end-of-turn token). Messages after the last assistant message are dropped. This
 * needs a template whose output for a prefix of the conversation is a prefix of its output for the whole, which
 * holds for ChatML, Llama 3 and Qwen templates; others are refused naming the line.
 *
 * <p>Prompt/completion: the prompt's tokens (weight 0), the completion's tokens and an end-of-text token (weight 1),
 * with no template.
 */
public final class ExampleEncoder {

    private final Tokenizer tokenizer;
    private final int maxTokens;
    private final Set<Integer> eosIds;
    private final int eosId;

    /**
     * @param tokenizer the base model's tokenizer
     * @param maxTokens the model's context length: longer examples are refused
     */
    public ExampleEncoder(Tokenizer tokenizer, int maxTokens) {
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.eosIds = tokenizer.eosIds();
        // Serving stops at any of them; the smallest id makes the choice deterministic.
        this.eosId = eosIds.stream()
                .min(Integer::compare)
                .orElseThrow(() -> new IllegalArgumentException(
                        "the model's tokenizer has no end-of-text token, so completions cannot be terminated"));
    }

    /**
     * Encodes every example, collecting problems (over-long examples, templates that cannot be split).
     *
     * @throws InvalidDatasetException naming the lines that cannot be encoded
     */
    public List<EncodedExample> encodeAll(List<Example> examples) {
        List<EncodedExample> out = new ArrayList<>(examples.size());
        List<DatasetProblem> problems = new ArrayList<>();
        for (Example e : examples) {
            try {
                out.add(encode(e));
            } catch (JsonlParser.LineException ex) {
                problems.add(new DatasetProblem(e.line(), ex.getMessage()));
                if (problems.size() >= InvalidDatasetException.MAX_PROBLEMS) break;
            }
        }
        if (!problems.isEmpty()) throw new InvalidDatasetException(problems);
        return out;
    }

    EncodedExample encode(Example example) {
        Sequence seq = new Sequence();
        switch (example) {
            case Example.Chat chat -> encodeChat(chat, seq);
            case Example.Completion c -> {
                seq.add(tokenizer.encode(c.prompt()), 0, false);
                seq.add(tokenizer.encode(c.completion()), 1, false);
                seq.add(new int[] {eosId}, 1, false);
            }
        }
        if (seq.size() > maxTokens) {
            throw new JsonlParser.LineException("the example is " + seq.size() + " tokens long, more than the model's "
                    + "context of " + maxTokens + " tokens; shorten it or split it");
        }
        EncodedExample encoded = seq.build(example.line());
        if (encoded.targetTokens() == 0) throw new JsonlParser.LineException("has no tokens to train on");
        return encoded;
    }

    private void encodeChat(Example.Chat chat, Sequence seq) {
        List<ChatMessage> messages = chat.turns().stream().map(Turn::message).toList();
        int last = -1;
        for (int i = 0; i < messages.size(); i++) if (chat.turns().get(i).role().equals("assistant")) last = i;
        String done = "";
        for (int i = 0; i <= last; i++) {
            if (!chat.turns().get(i).role().equals("assistant")) continue;
            String prompt = render(messages.subList(0, i), chat.tools(), true);
            String full = render(messages.subList(0, i + 1), chat.tools(), false);
            if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
                throw new JsonlParser.LineException("the base model's chat template does not render this conversation "
                        + "as a sequence of turns, so the assistant's tokens cannot be found");
            }
            seq.add(tokenizer.encode(prompt.substring(done.length())), 0, false);
            seq.add(
                    tokenizer.encode(full.substring(prompt.length())),
                    chat.turns().get(i).weight(),
                    true);
            done = full;
        }
    }

    private String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean generationPrompt) {
        try {
            return tokenizer.chatTemplate().render(messages, tools, generationPrompt);
        } catch (ChatTemplateException e) {
            throw new JsonlParser.LineException(
                    "the base model's chat template refused this conversation: " + e.getMessage());
        }
    }

    /** Ids and weights being appended. */
    private final class Sequence {
        private final List<int[]> ids = new ArrayList<>();
        private final List<float[]> weights = new ArrayList<>();
        private int size;

        /** @param cutAfterEos weight 0 for the tokens after the first end-of-turn token of this piece */
        void add(int[] piece, float weight, boolean cutAfterEos) {
            float[] w = new float[piece.length];
            boolean ended = false;
            for (int i = 0; i < piece.length; i++) {
                w[i] = ended ? 0 : weight;
                if (cutAfterEos && eosIds.contains(piece[i])) ended = true;
            }
            ids.add(piece);
            weights.add(w);
            size += piece.length;
        }

        int size() {
            return size;
        }

        EncodedExample build(int line) {
            int[] allIds = new int[size];
            float[] allWeights = new float[size];
            int at = 0;
            for (int i = 0; i < ids.size(); i++) {
                System.arraycopy(ids.get(i), 0, allIds, at, ids.get(i).length);
                System.arraycopy(weights.get(i), 0, allWeights, at, ids.get(i).length);
                at += ids.get(i).length;
            }
            return new EncodedExample(line, allIds, allWeights);
        }
    }
}

package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.fixture.ToolCallTask;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tool-calling SFT on a generated model: an adapter trained on 50 OpenAI-format function-calling examples (tools,
 * an assistant message with {@code tool_calls} and null content) calls the right function with arguments valid
 * against its parameters schema on held-out prompts. The call is read from the generated text in the chat
 * template's form, {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}.
 */
class ToolCallingSftTest {

    static final ToolCallTask TASK = new ToolCallTask(11, 25, 20);
    static final Pattern CALL = Pattern.compile("^<tool_call>\\n(.*)\\n</tool_call>$", Pattern.DOTALL);

    static NDManager manager;
    static Transformer model;
    static Tokenizer tokenizer;
    static List<EncodedExample> examples;

    @BeforeAll
    static void load() throws Exception {
        Path dir = ToolCallTask.writeModel(Files.createTempDirectory("tool-model"));
        manager = NDManager.newBaseManager();
        model = Transformer.load(dir, manager);
        tokenizer = Tokenizer.load(dir);
        byte[] jsonl = TASK.trainingJsonl().getBytes(StandardCharsets.UTF_8);
        examples = new ExampleEncoder(tokenizer, model.config().maxPositions())
                .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }

    @Test
    void anAdapterTrainedOnFiftyExamplesCallsTheRightFunctionWithValidArguments() {
        // given 50 examples, 25 per function, and a fresh adapter
        assertEquals(50, examples.size());
        int steps = Integer.getInteger("toolSteps", 150);
        int batch = Integer.getInteger("toolBatch", 10);
        double lr = Double.parseDouble(System.getProperty("toolLr", "1e-2"));
        PeftConfig lora = new PeftConfig(16, 32, false, EnumSet.allOf(Projection.class), "tools");
        TrainingConfig config = new TrainingConfig(
                lora, 0, new LrSchedule(lr, 5, steps, LrSchedule.Shape.COSINE, 0.1), 1.0, 0.0, batch, 3);
        Score base = score(null);

        // when it trains
        long start = System.nanoTime();
        double first;
        double last = 0;
        try (LoraTrainer trainer = LoraTrainer.start(model, config)) {
            first = trainer.train(batch(batch, 1)).loss();
            for (int s = 2; s <= steps; s++)
                last = trainer.train(batch(batch, s)).loss();
            long trained = System.nanoTime();
            Score after = score(trainer.adapter("tools"));

            // then the held-out prompts get the right function with schema-valid arguments
            System.out.printf(
                    "tool-calling SFT: %d examples (%d-%d tokens), %d steps of %d, lr %s, r 16 alpha 32 all "
                            + "projections; loss %.3f -> %.3f; train %.1f s, eval %.1f s; base %s; adapter %s%n",
                    examples.size(),
                    examples.stream().mapToInt(EncodedExample::length).min().orElseThrow(),
                    examples.stream().mapToInt(EncodedExample::length).max().orElseThrow(),
                    steps,
                    batch,
                    lr,
                    first,
                    last,
                    (trained - start) / 1e9,
                    (System.nanoTime() - trained) / 1e9,
                    base,
                    after);
            assertEquals(0, base.valid(), "the base model calls no function");
            assertTrue(after.validRate() >= 0.9, "right function, valid arguments: " + after);
        }
    }

    /**
     * The examples of step {@code step} (1-based): each epoch a seeded shuffle cut into batches. Unlike the job's
     * {@code BatchPlan}, which sorts an epoch by length, this mixes both functions in every batch (their prompts
     * differ in length, so length-sorted batches would each hold one function and the updates would pull in turns).
     */
    static List<EncodedExample> batch(int batchSize, int step) {
        int perEpoch = examples.size() / batchSize;
        int epoch = (step - 1) / perEpoch;
        List<EncodedExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(17 + epoch));
        int from = ((step - 1) % perEpoch) * batchSize;
        return order.subList(from, from + batchSize);
    }

    /**
     * Held-out accuracy.
     *
     * @param valid calls of the expected function whose arguments validate against its schema
     * @param exact those whose arguments are also the expected values
     * @param total held-out prompts
     */
    record Score(int rightFunction, int valid, int exact, int total, List<String> misses) {
        double validRate() {
            return valid / (double) total;
        }

        @Override
        public String toString() {
            return valid + "/" + total + " right function with valid arguments (" + rightFunction + " right function, "
                    + exact + " with the exact values)"
                    + (misses.isEmpty() ? "" : "; misses include " + misses.getFirst() + " and " + misses.getLast());
        }
    }

    /** Greedy generation for every held-out prompt in one batch, each answer parsed and checked. */
    static Score score(AdapterWeights adapter) {
        List<ToolCallTask.Call> calls = TASK.heldOut();
        List<GenerationRequest> requests = new ArrayList<>();
        for (ToolCallTask.Call call : calls) {
            String prompt = tokenizer
                    .chatTemplate()
                    .render(ToolCallTask.conversation(call.prompt()), ToolCallTask.tools(), true);
            requests.add(new GenerationRequest(
                    tokenizer.encode(prompt),
                    SamplingParams.greedy(48).withStopIds(tokenizer.eosIds()),
                    adapter,
                    false));
        }
        List<Generation> out = new Generator(model, tokenizer).generate(requests, LoraMode.BATCHED);
        int right = 0;
        int valid = 0;
        int exact = 0;
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            ToolCallTask.Call expected = calls.get(i);
            String text = tokenizer.decode(out.get(i).tokenIds(), true).strip();
            JsonNode call = parse(text);
            JsonNode arguments = call == null ? null : call.get("arguments");
            boolean function = call != null && call.path("name").asString("").equals(expected.function());
            boolean schema = function && arguments != null && schemaValid(expected.function(), arguments);
            boolean same = schema && arguments.equals(JsonMapper.shared().readTree(expected.arguments()));
            if (function) right++;
            if (schema) valid++;
            if (same) exact++;
            else misses.add(expected.prompt() + " -> " + text.replace('\n', ' '));
        }
        return new Score(right, valid, exact, calls.size(), misses);
    }
    /** The one call of a {@code <tool_call>} block, or null when the text is not one. */
    static JsonNode parse(String text) {
        Matcher m = CALL.matcher(text);
        if (!m.matches()) return null;
        try {
            JsonNode call = JsonMapper.shared().readTree(m.group(1));
            return call != null && call.isObject() ? call : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    static boolean schemaValid(String function, JsonNode arguments) {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(ToolCallTask.parameters(function).toString());
        try {
            return schema.validate(new ObjectMapper().readTree(arguments.toString()))
                    .isEmpty();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

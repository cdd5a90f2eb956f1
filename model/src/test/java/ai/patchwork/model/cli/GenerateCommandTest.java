package ai.patchwork.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.sample.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ./patchwork generate} end to end, in process: JSON output and one-line errors with status 2. */
class GenerateCommandTest {

    @TempDir
    Path tmp;

    record Outcome(int status, String out, String err) {}

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CommandLines.run(
                "generate",
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void jsonOutputReproducesExpectedCasesForBaseAndAdapters() {
        for (JsonNode c : Fixtures.expected().get("single")) {
            List<String> args = new ArrayList<>(List.of(
                    "--model",
                    Fixtures.tinyLlamaModel().toString(),
                    "--prompt-ids",
                    c.get("prompt_ids")
                            .valueStream()
                            .map(JsonNode::asString)
                            .reduce((a, b) -> a + "," + b)
                            .orElseThrow(),
                    "--max-tokens",
                    "16",
                    "--temperature",
                    "0",
                    "--json",
                    "--logits"));
            String adapter = c.get("adapter").asString();
            if (!adapter.equals("base"))
                args.addAll(List.of(
                        "--adapter",
                        Fixtures.tinyLlama().resolve("adapters/" + adapter).toString()));
            Outcome o = run(args.toArray(String[]::new));
            assertEquals(0, o.status(), o.err());
            JsonNode json = JsonMapper.shared().readTree(o.out());
            assertEquals(c.get("greedy_16"), json.get("token_ids"), adapter);
            assertEquals(c.get("prompt_ids"), json.get("prompt_ids"));
            for (int i = 0; i < 512; i++) {
                assertEquals(
                        c.get("logits_last").get(i).asDouble(),
                        json.get("logits_last").get(i).asDouble(),
                        1e-4);
            }
        }
    }

    @Test
    void bf16ModelWithOneKvHeadAndAnRsloraMlpAdapterMatchesTheReferencePath() {
        // given: a BF16 checkpoint with a single KV head and an rsLoRA adapter on the MLP only, as a user might bring
        Path modelDir = tmp.resolve("bf16-mqa");
        var config = TinyModelWriter.write(
                TinyModelSpec.builder()
                        .optKvHeads(1)
                        .optDtype(DType.BF16)
                        .optSeed(11)
                        .build(),
                modelDir);
        Path adapterDir = tmp.resolve("rslora-mlp");
        TinyAdapterWriter.write(
                config,
                TinyAdapterSpec.builder()
                        .optRank(4)
                        .optAlpha(8)
                        .optRslora(true)
                        .optTargets(Projection.GATE, Projection.UP, Projection.DOWN)
                        .optSeed(5)
                        .build(),
                adapterDir);
        int[] prompt = {5, 17, 99, 260, 3, 42};

        // when: the CLI generates greedily
        Outcome o = run(
                "--model",
                modelDir.toString(),
                "--adapter",
                adapterDir.toString(),
                "--prompt-ids",
                "5,17,99,260,3,42",
                "--max-tokens",
                "12",
                "--temperature",
                "0",
                "--json",
                "--logits");
        assertEquals(0, o.status(), o.err());
        JsonNode json = JsonMapper.shared().readTree(o.out());

        // then: it equals the per-sequence reference LoRA path of the runtime
        try (NDManager manager = NDManager.newBaseManager();
                Transformer model = Transformer.load(modelDir, manager)) {
            AdapterWeights adapter = AdapterWeights.load("rslora-mlp", adapterDir, model.config());
            Generation ref = new Generator(model, null)
                    .generate(
                            List.of(new GenerationRequest(prompt, SamplingParams.greedy(12), adapter, true)),
                            LoraMode.REFERENCE)
                    .get(0);
            assertEquals(
                    java.util.Arrays.toString(ref.tokenIds()), java.util.Arrays.toString(ints(json.get("token_ids"))));
            for (int i = 0; i < ref.logitsLast().length; i++) {
                assertEquals(ref.logitsLast()[i], json.get("logits_last").get(i).asDouble(), 1e-4);
            }
        }
    }

    @Test
    void chatPromptGoesThroughTheTemplate() {
        JsonNode chat = Fixtures.expected().get("tokenizer").get("chat");
        Outcome o = run(
                "--model",
                Fixtures.tinyLlamaModel().toString(),
                "--prompt",
                "Say hi.",
                "--chat",
                "--max-tokens",
                "3",
                "--temperature",
                "0",
                "--json");
        assertEquals(0, o.status(), o.err());
        int[] ids = ints(JsonMapper.shared().readTree(o.out()).get("prompt_ids"));
        int[] want = ints(chat.get("ids"));
        // the fixture's chat has a system turn first; ours is the user turn alone: it must be the tail of theirs
        int[] tail = java.util.Arrays.copyOfRange(want, want.length - ids.length, want.length);
        assertEquals(java.util.Arrays.toString(tail), java.util.Arrays.toString(ids));
    }

    @Test
    void badInputPrintsOneLineAndExitsWithTwo() throws Exception {
        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.copy(Fixtures.tinyLlamaModel().resolve("config.json"), corrupt.resolve("config.json"));
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, '{'});
        Path mamba = tmp.resolve("mamba");
        Files.createDirectories(mamba);
        Files.writeString(
                mamba.resolve("config.json"), "{\"architectures\": [\"MambaForCausalLM\"], \"hidden_size\": 8}");
        String[][] cases = {
            {"--model", tmp.resolve("missing").toString(), "--prompt-ids", "1"},
            {"--model", mamba.toString(), "--prompt-ids", "1"},
            {"--model", corrupt.toString(), "--prompt-ids", "1"},
            {"--model", Fixtures.tinyLlamaModel().toString()},
            {"--model", Fixtures.tinyLlamaModel().toString(), "--prompt-ids", "1", "--temperature", "-1"},
            {"--model", Fixtures.tinyLlamaModel().toString(), "--prompt-ids", "1", "--bogus"},
        };
        String[] expect = {
            "model folder not found", "MambaForCausalLM", "header length", "exactly one of", "temperature", "bogus"
        };
        for (int i = 0; i < cases.length; i++) {
            Outcome o = run(cases[i]);
            assertEquals(2, o.status(), String.join(" ", cases[i]));
            assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
            assertTrue(o.err().contains(expect[i]), o.err());
        }
    }
}

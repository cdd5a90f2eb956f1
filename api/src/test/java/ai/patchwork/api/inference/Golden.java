package ai.patchwork.api.inference;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The expected.json cases of the tiny-llama fixture, and the per-request reference: one sequence alone through the
 * model module's static generator with its reference (unbatched) LoRA.
 */
final class Golden implements AutoCloseable {

    /** One case: {@code adapter} is a fixture folder name, or null for the base model. */
    record Case(String label, int[] prompt, String adapter, int[] expected) {}

    private final NDManager manager = NDManager.newBaseManager();
    private final Transformer model = Transformer.load(TinyLlama.model(), manager);
    private final Generator generator = new Generator(model, null);
    private final Map<String, AdapterWeights> adapters = new HashMap<>();
    final Tokenizer tokenizer = Tokenizer.load(TinyLlama.model());

    static List<Case> cases() {
        JsonNode expected;
        try {
            expected = OpenAi.JSON.readTree(Files.readString(TinyLlama.root().resolve("expected.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> out = new ArrayList<>();
        for (JsonNode c : expected.get("single")) out.add(of("single", c, "greedy_16"));
        for (JsonNode c : expected.get("mixed_batch")) out.add(of("mixed_batch", c, "greedy_12"));
        return out;
    }

    private static Case of(String group, JsonNode c, String field) {
        String adapter = c.get("adapter").asString();
        return new Case(
                group + "/" + adapter + "/" + c.get("prompt_ids").size(),
                ints(c.get("prompt_ids")),
                adapter.equals("base") ? null : adapter,
                ints(c.get(field)));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** Greedy ids of the prompt alone, no stop at EOS. */
    synchronized int[] reference(int[] prompt, String adapter, int n) {
        AdapterWeights w = adapter == null
                ? null
                : adapters.computeIfAbsent(adapter, a -> AdapterWeights.load(a, TinyLlama.adapter(a), model.config()));
        return generator
                .generate(
                        List.of(new GenerationRequest(prompt, SamplingParams.greedy(n), w, false)), LoraMode.REFERENCE)
                .get(0)
                .tokenIds();
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }
}

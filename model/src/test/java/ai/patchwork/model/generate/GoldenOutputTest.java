package ai.patchwork.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** Every case of the fixture's expected.json, from an independent float64 implementation. */
class GoldenOutputTest {

    static NDManager manager;
    static Transformer model;
    static Generator generator;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        model = Transformer.load(Fixtures.tinyLlamaModel(), manager);
        generator = new Generator(model, null);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static AdapterWeights adapter(String name) {
        if (name.equals("base")) return null;
        return AdapterWeights.load(
                name, Fixtures.tinyLlama().resolve("adapters").resolve(name), model.config());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    @ParameterizedTest
    @EnumSource(LoraMode.class)
    void singleSequencesMatchLogitsAndGreedyIds(LoraMode mode) {
        for (JsonNode c : Fixtures.expected().get("single")) {
            int[] greedy = ints(c.get("greedy_16"));
            GenerationRequest r = new GenerationRequest(
                    ints(c.get("prompt_ids")),
                    SamplingParams.greedy(greedy.length),
                    adapter(c.get("adapter").asString()),
                    true);
            Generation g = generator.generate(List.of(r), mode).get(0);
            JsonNode want = c.get("logits_last");
            assertEquals(want.size(), g.logitsLast().length);
            double worst = 0;
            for (int i = 0; i < want.size(); i++)
                worst = Math.max(worst, Math.abs(want.get(i).asDouble() - g.logitsLast()[i]));
            assertTrue(worst <= 1e-4, c.get("adapter") + ": max |logit error| " + worst);
            assertArrayEquals(greedy, g.tokenIds(), "greedy ids for " + c.get("adapter"));
        }
    }

    @ParameterizedTest
    @EnumSource(LoraMode.class)
    void mixedBatchMatchesWithEveryAdapterInOneBatch(LoraMode mode) {
        List<GenerationRequest> requests = new ArrayList<>();
        List<int[]> expected = new ArrayList<>();
        for (JsonNode c : Fixtures.expected().get("mixed_batch")) {
            int[] greedy = ints(c.get("greedy_12"));
            expected.add(greedy);
            requests.add(new GenerationRequest(
                    ints(c.get("prompt_ids")),
                    SamplingParams.greedy(greedy.length),
                    adapter(c.get("adapter").asString()),
                    false));
        }
        List<Generation> out = generator.generate(requests, mode);
        for (int i = 0; i < out.size(); i++)
            assertArrayEquals(expected.get(i), out.get(i).tokenIds(), "request " + i);
    }
}

package ai.patchwork.serving;

import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The shared tiny-llama fixture, as test-support's {@link TinyLlama} locates it, and its golden outputs. */
final class Fixtures {

    private Fixtures() {}

    static Path tinyLlama() {
        return TinyLlama.root();
    }

    static Path model() {
        return tinyLlama().resolve("model");
    }

    static Path adapters() {
        return tinyLlama().resolve("adapters");
    }

    static JsonNode expected() {
        return JsonMapper.builder().build().readTree(tinyLlama().resolve("expected.json"));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}

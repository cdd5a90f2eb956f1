package ai.patchwork.model;

import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The shared tiny-llama fixture, as test-support's {@link TinyLlama} locates it, and its golden outputs. */
public final class Fixtures {

    private Fixtures() {}

    /** The tiny-llama fixture folder (holding {@code model/}, {@code adapters/}, expected.json). */
    public static Path tinyLlama() {
        return TinyLlama.root();
    }

    /** The fixture's {@code model/} folder. */
    public static Path tinyLlamaModel() {
        return TinyLlama.model();
    }

    /** The parsed {@code expected.json} of the tiny-llama fixture. */
    public static JsonNode expected() {
        return JsonMapper.builder().build().readTree(tinyLlama().resolve("expected.json"));
    }
}

package ai.patchwork.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.nn.Transformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A model folder that cannot be served fails with one line that names what is wrong. */
class ModelConfigTest {

    @TempDir
    Path tmp;

    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    Path model(String name) {
        Path dir = tmp.resolve(name);
        TinyModelWriter.write(TinyModelSpec.builder().optLayers(1).build(), dir);
        return dir;
    }

    static void editConfig(Path dir, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode c = (ObjectNode) JsonMapper.shared().readTree(Files.readString(dir.resolve("config.json")));
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), JsonMapper.shared().writeValueAsString(c));
    }

    String loadError(Path dir) {
        ModelFormatException e = assertThrows(
                ModelFormatException.class, () -> Transformer.load(dir, manager).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unsupportedArchitectureIsNamed() throws Exception {
        Path dir = model("gpt2");
        editConfig(dir, c -> {
            c.putArray("architectures").add("GPT2LMHeadModel");
            c.put("model_type", "gpt2");
        });
        String msg = loadError(dir);
        assertTrue(msg.contains("unsupported architecture GPT2LMHeadModel"), msg);
        assertTrue(
                msg.contains("LlamaForCausalLM") && msg.contains("Qwen2ForCausalLM"),
                "lists what is supported: " + msg);
    }

    @Test
    void modelTypeAloneIsEnoughWithoutArchitectures() throws Exception {
        Path dir = model("type-only");
        editConfig(dir, c -> {
            c.remove("architectures");
            c.put("model_type", "mistral");
        });
        assertEquals(ModelFamily.MISTRAL, ModelConfig.load(dir).family());
    }

    @Test
    void missingConfigJson() throws Exception {
        Path dir = model("no-config");
        Files.delete(dir.resolve("config.json"));
        String msg = loadError(dir);
        assertTrue(msg.contains("no config.json") && msg.contains(dir.toString()), msg);
    }

    @Test
    void configThatIsNotJson() throws Exception {
        Path dir = model("bad-json");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64,");
        assertTrue(loadError(dir).startsWith("cannot read " + dir.resolve("config.json")));
    }

    @Test
    void inconsistentShapesAreNamed() throws Exception {
        Path dir = model("heads");
        editConfig(dir, c -> c.put("num_key_value_heads", 3));
        assertTrue(loadError(dir).contains("num_attention_heads 4 is not a multiple of num_key_value_heads 3"));
        editConfig(dir, c -> c.put("num_hidden_layers", 0));
        assertTrue(loadError(dir).contains("num_hidden_layers must be positive, got 0"));
    }

    @Test
    void unsupportedRopeScalingIsNamed() throws Exception {
        Path dir = model("yarn");
        editConfig(
                dir, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        assertTrue(loadError(dir).contains("rope_scaling type 'yarn' is not supported"));
    }

    @Test
    void missingOrPickleWeights() throws Exception {
        Path dir = model("no-weights");
        Files.delete(dir.resolve("model.safetensors"));
        assertTrue(loadError(dir).contains("no model.safetensors or model.safetensors.index.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        assertTrue(loadError(dir).contains("only pickle weights (pytorch_model.bin)"));
    }

    @Test
    void weightsOfAnotherShapeAreNamed() throws Exception {
        Path dir = model("shape");
        editConfig(dir, c -> c.put("intermediate_size", 96));
        String msg = loadError(dir);
        assertTrue(msg.contains("mlp.gate_proj.weight has shape [128, 64], expected [96, 64]"), msg);
    }

    @Test
    void missingWeightsAreNamed() throws Exception {
        Path qwen = tmp.resolve("qwen");
        TinyModelWriter.write(TinyModelSpec.builder().optLayers(1).build(), qwen);
        editConfig(qwen, c -> {
            c.putArray("architectures").add("Qwen2ForCausalLM");
            c.put("model_type", "qwen2");
        });
        assertTrue(loadError(qwen).contains("checkpoint has no model.layers.0.self_attn.q_proj.bias"));

        Path headless = TinyModels.derive(
                model("full"),
                tmp.resolve("headless"),
                t -> {
                    t.remove("lm_head.weight");
                    return t;
                },
                c -> {});
        assertTrue(loadError(headless).contains("no lm_head.weight and tie_word_embeddings is false"));
    }

    @Test
    void shardIndexPointingAtTheWrongFile() throws Exception {
        Path dir = tmp.resolve("sharded");
        TinyModelWriter.write(TinyModelSpec.builder().optLayers(1).optShards(2).build(), dir);
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) JsonMapper.shared().readTree(Files.readString(index));
        ObjectNode map = (ObjectNode) json.get("weight_map");
        String other = map.get("model.norm.weight").asString().equals("model-00001-of-00002.safetensors")
                ? "model-00002-of-00002.safetensors"
                : "model-00001-of-00002.safetensors";
        map.put("model.norm.weight", other);
        Files.writeString(index, JsonMapper.shared().writeValueAsString(json));
        assertTrue(loadError(dir).contains("tensor model.norm.weight is not in " + other));
    }
}

package ai.patchwork.model.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Adapters the runtime cannot apply exactly are refused on load, with one line naming the field or tensor. */
class AdapterLoadErrorsTest {

    static final ModelConfig BASE = TinyModelSpec.defaults().modelConfig();

    @TempDir
    Path tmp;

    Path adapter(String name) {
        Path dir = tmp.resolve(name);
        TinyAdapterWriter.write(
                BASE,
                TinyAdapterSpec.builder()
                        .optRank(4)
                        .optTargets(Projection.Q, Projection.V, Projection.DOWN)
                        .build(),
                dir);
        return dir;
    }

    static void editConfig(Path dir, Consumer<ObjectNode> edit) throws Exception {
        Path f = dir.resolve("adapter_config.json");
        ObjectNode c = (ObjectNode) JsonMapper.shared().readTree(Files.readString(f));
        edit.accept(c);
        Files.writeString(f, JsonMapper.shared().writeValueAsString(c));
    }

    static void editTensors(Path dir, UnaryOperator<Map<String, SafetensorsWriter.Tensor>> edit) {
        Path f = dir.resolve("adapter_model.safetensors");
        Map<String, SafetensorsWriter.Tensor> tensors = new TreeMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            sf.header()
                    .tensors()
                    .forEach((n, info) -> tensors.put(n, new SafetensorsWriter.Tensor(info.shape(), sf.floats(n))));
        }
        SafetensorsWriter.write(f, edit.apply(tensors), DType.F32);
    }

    static String loadError(Path dir, ModelConfig base) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> AdapterWeights.load("x", dir, base));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static String loadError(Path dir) {
        return loadError(dir, BASE);
    }

    @Test
    void theUneditedAdapterLoads() {
        AdapterWeights w = AdapterWeights.load("ok", adapter("ok"), BASE);
        assertEquals(2 * 3, w.modules().size());
    }

    @Test
    void doraIsRefused() throws Exception {
        Path dir = adapter("dora");
        editConfig(dir, c -> c.put("use_dora", true));
        assertEquals("adapter_config.json: DoRA (use_dora) is not supported", loadError(dir));
    }

    @Test
    void modulesToSaveIsRefused() throws Exception {
        Path dir = adapter("save");
        editConfig(dir, c -> c.putArray("modules_to_save").add("lm_head"));
        assertTrue(loadError(dir).contains("modules_to_save is not supported"));
        editConfig(dir, c -> c.putArray("modules_to_save"));
        AdapterWeights.load("empty list is fine", dir, BASE);
    }

    @Test
    void trainedBiasesAreRefused() throws Exception {
        Path dir = adapter("bias");
        editConfig(dir, c -> c.put("bias", "all"));
        assertEquals("adapter_config.json: bias 'all' is not supported (bias: none)", loadError(dir));
        editConfig(dir, c -> c.put("bias", "lora_only"));
        assertTrue(loadError(dir).contains("bias 'lora_only'"));
    }

    @Test
    void unknownTargetModuleIsNamed() throws Exception {
        Path dir = adapter("target");
        editConfig(
                dir,
                c -> c.putArray("target_modules")
                        .add("q_proj")
                        .add("c_attn")
                        .add("v_proj")
                        .add("down_proj"));
        String msg = loadError(dir);
        assertTrue(msg.contains("target_modules [c_attn] are not supported"), msg);
    }

    @Test
    void otherUnsupportedConfigFields() throws Exception {
        Path dir = adapter("fields");
        editConfig(dir, c -> c.putObject("rank_pattern").put("q_proj", 8));
        assertTrue(loadError(dir).contains("rank_pattern is not supported"));
        editConfig(dir, c -> {
            c.putObject("rank_pattern");
            c.putArray("layers_to_transform").add(0);
        });
        assertTrue(loadError(dir).contains("layers_to_transform is not supported"));
        editConfig(dir, c -> {
            c.putNull("layers_to_transform");
            c.put("peft_type", "IA3");
        });
        assertTrue(loadError(dir).contains("peft_type IA3 is not supported"));
        Files.writeString(dir.resolve("adapter_config.json"), "{\"r\": ");
        assertEquals("adapter_config.json is not valid JSON", loadError(dir));
    }

    @Test
    void adapterForAnotherBaseModel() {
        ModelConfig wider = TinyModelSpec.builder().optHidden(128).build().modelConfig();
        Path dir = tmp.resolve("wider");
        TinyAdapterWriter.write(
                wider,
                TinyAdapterSpec.builder().optRank(4).optTargets(Projection.Q).build(),
                dir);
        String msg = loadError(dir);
        assertTrue(msg.contains("has shape [4, 128] but the base model needs [4, 64]"), msg);
        assertTrue(msg.contains("is the adapter for another base model?"), msg);

        ModelConfig deeper = TinyModelSpec.builder().optLayers(3).build().modelConfig();
        TinyAdapterWriter.write(
                deeper,
                TinyAdapterSpec.builder().optRank(4).optTargets(Projection.Q).build(),
                tmp.resolve("deeper"));
        assertTrue(loadError(tmp.resolve("deeper")).contains("is for layer 2 but the base model has 2 layers"));
    }

    @Test
    void extraNonLoraTensor() {
        Path dir = adapter("extra");
        editTensors(dir, t -> {
            t.put("base_model.model.lm_head.weight", new SafetensorsWriter.Tensor(new long[] {2, 2}, new float[4]));
            return t;
        });
        assertTrue(loadError(dir).contains("tensor 'base_model.model.lm_head.weight' is not a LoRA weight"));
    }

    @Test
    void missingLoraB() {
        Path dir = adapter("no-b");
        editTensors(dir, t -> {
            t.remove("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
            return t;
        });
        assertEquals("adapter_model.safetensors: module 1.v_proj has lora_A but no lora_B", loadError(dir));
    }

    @Test
    void tensorForAModuleTheConfigDoesNotTarget() throws Exception {
        Path dir = adapter("untargeted");
        editConfig(dir, c -> c.putArray("target_modules").add("q_proj").add("v_proj"));
        assertTrue(loadError(dir).contains("is for down_proj, which target_modules does not list"));
    }

    @Test
    void pickleOnlyAdapter() throws Exception {
        Path dir = adapter("pickle");
        Files.delete(dir.resolve("adapter_model.safetensors"));
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 2});
        String msg = loadError(dir);
        assertTrue(
                msg.contains("adapter_model.bin is a pickle file") && msg.contains("adapter_model.safetensors"), msg);
    }

    @Test
    void missingFilesAndFolders() throws Exception {
        assertTrue(loadError(tmp.resolve("nowhere")).contains("adapter folder not found"));
        Path dir = adapter("no-config");
        Files.delete(dir.resolve("adapter_config.json"));
        assertTrue(loadError(dir).contains("no adapter_config.json in"));
    }
}

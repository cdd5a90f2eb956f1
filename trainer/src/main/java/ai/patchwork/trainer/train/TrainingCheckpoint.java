package ai.patchwork.trainer.train;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import ai.patchwork.registry.store.ScratchDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The state a run resumes from: the adapter after {@code step} updates, AdamW's moments, and counters. Stored as a
 * zip holding a PEFT adapter ({@code adapter_config.json}, {@code adapter_model.safetensors}, loadable as is), the
 * moments ({@code optimizer.safetensors}, tensors {@code <param>.m} and {@code <param>.v}) and {@code state.json}
 * ({@code step}, {@code trained_tokens}). The data position is the step: the batch plan is a function of the seed.
 *
 * @param step optimizer updates done
 * @param trainedTokens target tokens trained on so far
 * @param adapter A and B of every module
 * @param moments AdamW's first and second moments by {@code <param>.m} / {@code <param>.v}
 */
public record TrainingCheckpoint(int step, long trainedTokens, AdapterWeights adapter, Map<String, float[]> moments) {

    private static final String STATE = "state.json";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final String CONFIG = "adapter_config.json";
    private static final String WEIGHTS = "adapter_model.safetensors";

    public TrainingCheckpoint {
        if (step < 0) throw new IllegalArgumentException("step must not be negative");
        Objects.requireNonNull(adapter, "adapter");
        moments = Map.copyOf(moments);
    }

    /** Writes the checkpoint as a zip. */
    public void write(OutputStream out) throws IOException {
        try (ScratchDir scratch = ScratchDir.create("patchwork-ckpt-")) {
            Path dir = scratch.path();
            AdapterWriter.write(adapter, dir);
            ZipOutputStream zip = new ZipOutputStream(out);
            entry(
                    zip,
                    STATE,
                    JsonMapper.shared()
                            .writeValueAsBytes(Map.of("format", 1, "step", step, "trained_tokens", trainedTokens)));
            entry(zip, CONFIG, Files.readAllBytes(dir.resolve(CONFIG)));
            entry(zip, WEIGHTS, Files.readAllBytes(dir.resolve(WEIGHTS)));
            Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
            moments.forEach((name, values) ->
                    tensors.put(name, new SafetensorsWriter.Tensor(new long[] {values.length}, values)));
            zip.putNextEntry(new ZipEntry(OPTIMIZER));
            SafetensorsWriter.write(zip, tensors, DType.F32);
            zip.closeEntry();
            zip.finish();
        }
    }

    /** Reads a checkpoint written by {@link #write}, for a model of the given shape. */
    public static TrainingCheckpoint read(InputStream in, ModelConfig model) throws IOException {
        try (ScratchDir scratch = ScratchDir.create("patchwork-ckpt-")) {
            Path dir = scratch.path();
            ZipInputStream zip = new ZipInputStream(in);
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String name = e.getName();
                if (!name.equals(STATE) && !name.equals(OPTIMIZER) && !name.equals(CONFIG) && !name.equals(WEIGHTS))
                    continue;
                Files.copy(zip, dir.resolve(name));
            }
            for (String required : new String[] {STATE, OPTIMIZER, CONFIG, WEIGHTS}) {
                if (!Files.exists(dir.resolve(required))) throw new IOException("checkpoint has no " + required);
            }
            JsonNode state = JsonMapper.shared().readTree(dir.resolve(STATE).toFile());
            AdapterWeights adapter = AdapterWeights.load("checkpoint", dir, model);
            Map<String, float[]> moments = new LinkedHashMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER))) {
                for (String name : f.header().tensors().keySet()) moments.put(name, f.floats(name));
            }
            return new TrainingCheckpoint(
                    state.path("step").asInt(), state.path("trained_tokens").asLong(), adapter, moments);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}

package ai.patchwork.api.inference;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import ai.patchwork.registry.WeightsScan;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ScratchDir;
import ai.patchwork.serving.InferenceEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The adapter data path run once at start-up, before the process reports ready, with a synthetic rank-1 adapter on
 * every projection of each served base model: what an upload does with the weights (scanned and hashed as they are
 * received into a scratch file, then uploaded to the object store) and what a cold load does (read back from the store
 * with its sha256 verified, parsed, converted by the engine's adapter cache to its host tier's form). Without it the
 * first upload and the first cold load run these paths, in this process and in the embedded object store,
 * interpreted, and take two to three times as long as the ones after.
 *
 * <p>Nothing user-visible is written: the object goes under a key outside the artifacts' and is removed again
 * ({@link Artifacts#roundTrip}); no row, nothing cached, no load counted.
 */
final class AdapterPathWarmUp {
    /** The synthetic adapter's id and rank. */
    static final String ID = "patchwork-warm-up";

    static final int RANK = 1;

    private AdapterPathWarmUp() {}

    /** Runs the path once for each engine; returns the bytes of weights that went through it. */
    static long run(Artifacts artifacts, Iterable<InferenceEngine> engines) throws IOException {
        long bytes = 0;
        for (InferenceEngine engine : engines) {
            ModelConfig base = engine.modelConfig();
            PeftConfig peft = new PeftConfig(RANK, 2 * RANK, false, EnumSet.allOf(Projection.class), ID);
            byte[] weights = weights(base, peft);
            try (ScratchDir dir = ScratchDir.create("patchwork-warm-up-")) {
                Path file = dir.resolve("adapter_model");
                WeightsScan scan = WeightsScan.copy(new ByteArrayInputStream(weights), file);
                if (scan.header() == null
                        || scan.nonFinite() != null
                        || scan.hash().size() != weights.length)
                    throw new IllegalStateException("the warm-up adapter does not scan as written: " + scan);
                byte[] back = artifacts.roundTrip(file, scan.hash());
                SafetensorsFile read = SafetensorsFile.read(ByteBuffer.wrap(back), "the warm-up adapter");
                engine.adapters().warmUp(AdapterWeights.read(ID, peft, read, base));
            }
            bytes += weights.length;
        }
        return bytes;
    }

    /** adapter_model.safetensors of a PEFT adapter on every module of {@code base}, small finite values, F32. */
    static byte[] weights(ModelConfig base, PeftConfig peft) throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < base.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                String prefix = AdapterWriter.prefix(l, p.module());
                int in = p.inFeatures(base);
                int out = p.outFeatures(base);
                tensors.put(
                        prefix + ".lora_A.weight",
                        new SafetensorsWriter.Tensor(new long[] {peft.rank(), in}, values(peft.rank() * in)));
                tensors.put(
                        prefix + ".lora_B.weight",
                        new SafetensorsWriter.Tensor(new long[] {out, peft.rank()}, values(out * peft.rank())));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, tensors, DType.F32);
        return out.toByteArray();
    }

    /** n values in [-1/8, 1/8), varied so that the quantization has a range to scale. */
    private static float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 31) % 17 - 8) / 64f;
        return v;
    }
}

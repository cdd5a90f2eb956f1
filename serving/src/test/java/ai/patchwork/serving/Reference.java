package ai.patchwork.serving;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import java.nio.file.Path;
import java.util.List;

/** The per-request ground truth: one sequence alone through the model's static generator with reference LoRA. */
final class Reference implements AutoCloseable {

    private final NDManager manager = NDManager.newBaseManager();
    final Transformer model;
    private final Generator generator;

    Reference(Path modelDir) {
        model = Transformer.load(modelDir, manager);
        generator = new Generator(model, null);
    }

    AdapterWeights adapter(Path dir) {
        return AdapterWeights.load(dir.getFileName().toString(), dir, model.config());
    }

    /** Greedy ids, no stop at EOS. */
    int[] greedy(int[] prompt, AdapterWeights adapter, int n) {
        Generation g = generator
                .generate(
                        List.of(new GenerationRequest(prompt, SamplingParams.greedy(n), adapter, false)),
                        LoraMode.REFERENCE)
                .get(0);
        return g.tokenIds();
    }

    @Override
    public void close() {
        model.close();
        manager.close();
    }
}

package ai.patchwork.bench.train;

import ai.djl.ndarray.NDManager;
import ai.patchwork.bench.BenchModels;
import ai.patchwork.bench.BenchReport;
import ai.patchwork.model.Devices;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.train.LoraTrainer;
import ai.patchwork.trainer.train.LrSchedule;
import ai.patchwork.trainer.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench train}: training tokens/s and step time of the platform's loop ({@link LoraTrainer#train}:
 * forward, backward, accuracy, clipping, AdamW, schedule) and of a bare forward + backward on the same model and
 * batch; the difference is the loop's overhead. Rank-16 LoRA on all seven projections, for the 3.4 M model of the
 * model benchmark and a larger one. Steps of both kinds are interleaved and the medians reported. Prints JSON.
 */
@Command(name = "bench train", mixinStandardHelpOptions = true, description = "Benchmark LoRA training; prints JSON.")
public final class TrainBench implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "16", description = "examples per step")
    int batch;

    @Option(names = "--length", defaultValue = "128", description = "tokens per example")
    int length;

    @Option(names = "--steps", defaultValue = "5", description = "measured steps of each kind")
    int steps;

    @Option(names = "--rank", defaultValue = "16")
    int rank;

    @Mixin
    BenchModels.Choice models = new BenchModels.Choice();

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        ObjectNode out = BenchReport.start("train");
        out.put("tokens_per_example", length);
        out.put("lora_rank", rank);
        ArrayNode results = out.putArray("models");
        Path dir = Files.createTempDirectory("patchwork-train-bench");
        try {
            for (String name : models.names()) results.add(bench(name, dir.resolve(name)));
        } finally {
            BenchReport.deleteTree(dir);
        }
        BenchReport.print(out, System.out);
        return 0;
    }

    private ObjectNode bench(String name, Path dir) {
        TinyModelSpec spec = BenchModels.spec(name);
        TinyModelWriter.write(spec, dir);
        int rows = models.scaled(spec, batch, 1);
        List<EncodedExample> examples = examples(spec.vocab() - 4, rows);
        long tokens = (long) rows * length;
        try (NDManager manager = Devices.newManager();
                Transformer model = Transformer.load(dir, manager)) {
            PeftConfig lora = new PeftConfig(rank, 2.0 * rank, false, EnumSet.allOf(Projection.class), name);
            TrainingConfig config = new TrainingConfig(
                    lora, 0, new LrSchedule(1e-4, 0, 1_000_000, LrSchedule.Shape.CONSTANT, 0), 1.0, 0, rows, 1);
            try (LoraTrainer trainer = LoraTrainer.start(model, config)) {
                trainer.train(examples); // warm up both paths
                trainer.forwardBackward(examples);
                double[] loop = new double[steps];
                double[] bare = new double[steps];
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    trainer.train(examples);
                    loop[i] = (System.nanoTime() - t0) / 1e9;
                    t0 = System.nanoTime();
                    trainer.forwardBackward(examples);
                    bare[i] = (System.nanoTime() - t0) / 1e9;
                }
                double loopStep = median(loop);
                double bareStep = median(bare);
                ObjectNode r = JsonMapper.shared().createObjectNode();
                r.put("model", name);
                r.put("parameters", model.parameterCount());
                r.put("hidden", spec.hidden());
                r.put("layers", spec.layers());
                r.put("batch", rows);
                r.put(
                        "trainable_parameters",
                        trainer.adapter("bench").modules().stream()
                                .mapToLong(w -> w.a().length + w.b().length)
                                .sum());
                ObjectNode l = r.putObject("platform_loop");
                l.put("step_seconds", round(loopStep));
                l.put("tokens_per_second", Math.round(tokens / loopStep));
                ObjectNode b = r.putObject("bare_forward_backward");
                b.put("step_seconds", round(bareStep));
                b.put("tokens_per_second", Math.round(tokens / bareStep));
                r.put("loop_overhead_percent", Math.round(1000 * (loopStep / bareStep - 1)) / 10.0);
                return r;
            }
        }
    }

    /** Random token rows with the loss on their second half, like a prompt and its answer. */
    private List<EncodedExample> examples(int vocab, int rows) {
        SplittableRandom random = new SplittableRandom(7);
        List<EncodedExample> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int[] ids = random.ints(length, 0, vocab).toArray();
            float[] weights = new float[length];
            Arrays.fill(weights, length / 2, length, 1f);
            out.add(new EncodedExample(i + 1, ids, weights));
        }
        return out;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static double round(double seconds) {
        return Math.round(seconds * 10000) / 10000.0;
    }
}

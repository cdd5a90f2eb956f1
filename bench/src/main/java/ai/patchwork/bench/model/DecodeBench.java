package ai.patchwork.bench.model;

import ai.patchwork.bench.BenchReport;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.sample.Sampler;
import ai.patchwork.model.vector.Matmul;
import ai.patchwork.model.vector.Quantization;
import ai.patchwork.model.vector.StepThreads;
import ai.patchwork.model.vector.VectorKvCache;
import ai.patchwork.model.vector.VectorTransformer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench decode}: single-stream decode of a real checkpoint on the CPU runtime, in process, with no
 * HTTP in the way: one sequence prefilled, then decoded token by token (greedy) on the step's threads, each --matmul
 * kernel in turn, rounds interleaved so that drift on a shared machine moves every kernel alike. Reports the median
 * milliseconds per decoded token and tokens/s of each kernel, and the weight bytes each token reads at that rate.
 */
@Command(
        name = "bench decode",
        mixinStandardHelpOptions = true,
        description = "Benchmark single-stream decode of a checkpoint on the CPU runtime; prints JSON.")
public final class DecodeBench implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "a Hugging Face model folder (config.json, safetensors)")
    Path model;

    @Option(
            names = "--packed-cache-dir",
            description = "where the packed weights are cached between runs (none: packed on every load)")
    Path packedCacheDir;

    @Option(names = "--matmul", split = ",", defaultValue = "auto", description = "auto, vector and/or native")
    List<String> matmuls;

    @Option(names = "--threads", defaultValue = "2", description = "threads of each step (0: one per core)")
    int threads;

    @Mixin
    SequenceLength length = new SequenceLength();

    @Option(names = "--warm-up", defaultValue = "16", description = "decoded tokens before the first timed round")
    int warmUp;

    @Option(names = "--rounds", defaultValue = "5", description = "timed rounds per kernel, interleaved")
    int rounds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DecodeBench()).execute(args));
    }

    @Override
    public Integer call() {
        ObjectNode out = BenchReport.start("decode");
        out.put("model", model.toString());
        out.put("load_average_start", Math.round(100 * BenchReport.loadAverage()) / 100.0);
        out.put("threads", StepThreads.resolve(threads));
        out.put("prompt_tokens", length.prompt);
        out.put("decode_tokens", length.decode);
        List<Kernel> kernels = new ArrayList<>();
        try (StepThreads pool = StepThreads.of(threads)) {
            try {
                for (String m : matmuls) {
                    Matmul matmul = Matmul.valueOf(m.trim().toUpperCase(Locale.ROOT));
                    VectorTransformer cpu = VectorTransformer.load(model, Quantization.NONE, matmul, packedCacheDir);
                    kernels.add(new Kernel(m.trim(), cpu, pool));
                    kernels.getLast().round(warmUp);
                }
                for (int r = 0; r < rounds; r++) {
                    for (Kernel k : kernels) k.millisPerToken.add(k.round(length.decode));
                }
            } finally {
                kernels.forEach(k -> k.cpu.close());
            }
        }
        ArrayNode rows = out.putArray("results");
        for (Kernel k : kernels) {
            double[] ms = k.millisPerToken.stream().mapToDouble(d -> d).sorted().toArray();
            double median = ms[ms.length / 2];
            ObjectNode row = rows.addObject();
            row.put("matmul", k.name);
            row.put("native_matrices", k.cpu.nativeMatrices());
            row.put("ms_per_token_median", round(median));
            row.put("tokens_per_second_median", round(1000 / median));
            row.put("weight_gb_per_second_median", round(k.cpu.weightBytes() / (median * 1e6)));
            ArrayNode all = row.putArray("ms_per_token");
            for (double d : k.millisPerToken) all.add(round(d));
            ArrayNode parks = row.putArray("worker_switches_per_token");
            for (double d : k.switchesPerToken.subList(1, k.switchesPerToken.size())) parks.add(round(d));
        }
        out.put("load_average_end", Math.round(100 * BenchReport.loadAverage()) / 100.0);
        BenchReport.print(out, System.out);
        return 0;
    }

    /**
     * Voluntary context switches so far of the step's workers (threads named {@code patchwork-step-*}), from Linux's
     * {@code /proc/self/task}: each is a worker that parked and had to be woken for a later loop. -1 elsewhere.
     */
    private static long workerSwitches() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) return -1;
        long sum = 0;
        try (var dirs = Files.list(tasks)) {
            for (Path t : dirs.toList()) {
                try {
                    if (!Files.readString(t.resolve("comm")).startsWith("patchwork-step")) continue;
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:"))
                            sum += Long.parseLong(
                                    line.substring(line.indexOf(':') + 1).trim());
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile: it parks no more
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** One kernel's runtime and its own KV cache: each round prefills the prompt again, then decodes. */
    private final class Kernel {
        final String name;
        final VectorTransformer cpu;
        final StepThreads pool;
        final VectorKvCache cache;
        final List<Double> millisPerToken = new ArrayList<>();
        final List<Double> switchesPerToken = new ArrayList<>();

        Kernel(String name, VectorTransformer cpu, StepThreads pool) {
            this.name = name;
            this.cpu = cpu;
            this.pool = pool;
            ModelConfig c = cpu.config();
            this.cache = new VectorKvCache(c, 1, length.prompt + Math.max(length.decode, warmUp) + 1, Arena.ofAuto());
        }

        /** Prefills, decodes {@code tokens} tokens and returns the milliseconds per decoded token. */
        double round(int tokens) {
            int prompt = length.prompt;
            int[] ids = new int[prompt];
            for (int i = 0; i < prompt; i++)
                ids[i] = 1 + (i * 7919) % (cpu.config().vocabSize() - 1);
            int[] slots = {0};
            float[][] logits = cpu.step(new int[][] {ids}, new int[] {0}, slots, null, cache, null, pool);
            long switches0 = workerSwitches();
            long t0 = System.nanoTime();
            for (int t = 0; t < tokens; t++) {
                int next = Sampler.argmax(logits[0]);
                logits = cpu.step(new int[][] {{next}}, new int[] {prompt + t}, slots, null, cache, null, pool);
            }
            long nanos = System.nanoTime() - t0;
            long parked = workerSwitches() - switches0;
            for (float l : logits[0]) if (Float.isNaN(l)) throw new IllegalStateException("NaN logits");
            switchesPerToken.add(parked / (double) tokens);
            return nanos / 1e6 / tokens;
        }
    }
}

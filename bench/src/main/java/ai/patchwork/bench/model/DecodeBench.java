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
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench decode}: decode of a real checkpoint on the CPU runtime, in process, with no HTTP in the
 * way: {@code --rows} sequences prefilled, then decoded a token each per step (greedy) on the step's threads, for each
 * --matmul kernel and --quantization of the weights in turn, rounds interleaved so that drift on a shared machine
 * moves every variant alike. Reports, per variant and row count, the median milliseconds per step and tokens/s (all
 * rows' tokens), and the weight bytes a step reads at that rate.
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

    @Option(
            names = "--quantization",
            split = ",",
            defaultValue = "none",
            description = "none and/or int8: how the weights are held")
    List<String> quantizations;

    @Option(
            names = "--rows",
            split = ",",
            defaultValue = "1",
            description = "sequences decoded together, one token each per step (a batch of concurrent requests)")
    List<Integer> rowCounts;

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
        int maxRows = rowCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
        if (rowCounts.stream().anyMatch(r -> r < 1)) throw new IllegalArgumentException("--rows must be at least 1");
        List<Kernel> kernels = new ArrayList<>();
        try (StepThreads pool = StepThreads.of(threads)) {
            try {
                for (String q : quantizations) {
                    Quantization quantization = Quantization.valueOf(q.trim().toUpperCase(Locale.ROOT));
                    for (String m : matmuls) {
                        Matmul matmul = Matmul.valueOf(m.trim().toUpperCase(Locale.ROOT));
                        VectorTransformer cpu = VectorTransformer.load(model, quantization, matmul, packedCacheDir);
                        kernels.add(new Kernel(m.trim(), q.trim(), cpu, pool, maxRows));
                        for (int rows : rowCounts) kernels.getLast().round(rows, warmUp);
                    }
                }
                for (int r = 0; r < rounds; r++) {
                    for (int rows : rowCounts) {
                        for (Kernel k : kernels) k.round(rows, length.decode);
                    }
                }
            } finally {
                kernels.forEach(k -> k.cpu.close());
            }
        }
        ArrayNode results = out.putArray("results");
        for (Kernel k : kernels) {
            for (int rows : rowCounts) {
                List<Double> steps = k.millisPerStep
                        .get(rows)
                        .subList(1, k.millisPerStep.get(rows).size());
                double[] ms = steps.stream().mapToDouble(d -> d).sorted().toArray();
                double median = ms[ms.length / 2];
                ObjectNode row = results.addObject();
                row.put("matmul", k.name);
                row.put("quantization", k.quantization);
                row.put("rows", rows);
                row.put("native_matrices", k.cpu.nativeMatrices());
                row.put("ms_per_step_median", round(median));
                row.put("tokens_per_second_median", round(rows * 1000 / median));
                row.put("weight_gb_per_second_median", round(k.cpu.weightBytes() / (median * 1e6)));
                ArrayNode all = row.putArray("ms_per_step");
                for (double d : steps) all.add(round(d));
                ArrayNode cpu = row.putArray("cpu_ms_per_step");
                List<Double> cpuMs = k.cpuMillisPerStep.get(rows);
                for (double d : cpuMs.subList(1, cpuMs.size())) cpu.add(round(d));
                ArrayNode parks = row.putArray("worker_switches_per_step");
                List<Double> switches = k.switchesPerStep.get(rows);
                for (double d : switches.subList(1, switches.size())) parks.add(round(d));
            }
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

    /**
     * CPU time of the whole process so far (every thread, the JIT compiler's and the GC's included), or 0 where the
     * JVM does not tell: unlike wall time, it hardly grows when other processes take the cores, so kernels compare
     * on a busy machine too (threads that spin while they wait count).
     */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime())
                : 0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /**
     * One variant's runtime and its own KV cache of {@code maxRows} slots: each round prefills the rows' prompts
     * again, then decodes. The first round of each row count (the warm-up) is recorded and left out of the report.
     */
    private final class Kernel {
        final String name;
        final String quantization;
        final VectorTransformer cpu;
        final StepThreads pool;
        final VectorKvCache cache;
        final Map<Integer, List<Double>> millisPerStep = new HashMap<>();
        final Map<Integer, List<Double>> switchesPerStep = new HashMap<>();
        final Map<Integer, List<Double>> cpuMillisPerStep = new HashMap<>();

        Kernel(String name, String quantization, VectorTransformer cpu, StepThreads pool, int maxRows) {
            this.name = name;
            this.quantization = quantization;
            this.cpu = cpu;
            this.pool = pool;
            ModelConfig c = cpu.config();
            this.cache =
                    new VectorKvCache(c, maxRows, length.prompt + Math.max(length.decode, warmUp) + 1, Arena.ofAuto());
        }

        /** Prefills {@code rows} prompts (each its own), decodes {@code tokens} steps and records the ms per step. */
        void round(int rows, int tokens) {
            int prompt = length.prompt;
            int[][] ids = new int[rows][prompt];
            int[] slots = new int[rows];
            int[] starts = new int[rows];
            for (int b = 0; b < rows; b++) {
                slots[b] = b;
                for (int i = 0; i < prompt; i++)
                    ids[b][i] = 1 + (i * 7919 + b * 104729) % (cpu.config().vocabSize() - 1);
            }
            float[][] logits = cpu.step(ids, starts, slots, null, cache, null, pool);
            long switches0 = workerSwitches();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            int[][] next = new int[rows][1];
            for (int t = 0; t < tokens; t++) {
                for (int b = 0; b < rows; b++) {
                    next[b][0] = Sampler.argmax(logits[b]);
                    starts[b] = prompt + t;
                }
                logits = cpu.step(next, starts, slots, null, cache, null, pool);
            }
            long nanos = System.nanoTime() - t0;
            long cpuNanos = processCpuNanos() - cpu0;
            long parked = workerSwitches() - switches0;
            for (float[] row : logits) for (float l : row) if (Float.isNaN(l)) throw new IllegalStateException("NaN");
            switchesPerStep.computeIfAbsent(rows, r -> new ArrayList<>()).add(parked / (double) tokens);
            millisPerStep.computeIfAbsent(rows, r -> new ArrayList<>()).add(nanos / 1e6 / tokens);
            cpuMillisPerStep.computeIfAbsent(rows, r -> new ArrayList<>()).add(cpuNanos / 1e6 / tokens);
        }
    }
}

package ai.patchwork.bench.model;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.patchwork.bench.BenchModels;
import ai.patchwork.bench.BenchReport;
import ai.patchwork.model.Devices;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.vector.StepThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench model}: prefill and decode tokens/s of the runtime at batch 1, 8 and 32, with no adapter,
 * one adapter for every sequence, and a different adapter per sequence (out of 100 rank-8 adapters on all seven
 * projections, all resident in device slots), for generated models. Prints one JSON object.
 */
@Command(
        name = "bench model",
        mixinStandardHelpOptions = true,
        description = "Benchmark the model runtime; prints JSON.")
public final class ModelBench implements Callable<Integer> {

    @Option(names = "--adapters", defaultValue = "100")
    int adapters;

    @Mixin
    SequenceLength length = new SequenceLength();

    @Option(
            names = "--repeats",
            defaultValue = "3",
            description = "runs per cell, interleaved across modes; the median is reported")
    int repeats;

    @Option(
            names = "--ratio-repeats",
            defaultValue = "9",
            description =
                    "runs of no adapter and of a different adapter per sequence at batch 32 (3.4M model), interleaved in "
                            + "pairs; the mixed/none ratio is the median of the pairs' ratios, which drift on a shared machine moves less "
                            + "than it moves either figure")
    int ratioRepeats;

    @Option(
            names = "--large-ratio-repeats",
            defaultValue = "3",
            description =
                    "the same pairs for the hidden-1024 model on the CPU runtime (its cells otherwise run once, and DJL's "
                            + "ratio stays one pair), within the 3 minutes")
    int largeRatioRepeats;

    @Option(names = "--batches", split = ",", defaultValue = "1,8,32")
    int[] batches;

    @Option(
            names = "--intra-op-threads",
            defaultValue = "1",
            description =
                    "threads per PyTorch op (0: PyTorch's default, one per core); 1, as bench serve, makes the CPU "
                            + "figures count every op")
    int intraOpThreads;

    @Option(
            names = "--runtimes",
            split = ",",
            defaultValue = "djl,vector,vector-exact",
            description =
                    "djl (the tensor forward, PyTorch through DJL), vector (the CPU runtime on the Vector API, adapters "
                            + "held as 16-bit integers with a scale per rank, the serving default) and/or vector-exact (the same, adapters held as loaded)")
    List<String> runtimes;

    @Option(
            names = "--large-runtimes",
            split = ",",
            defaultValue = "djl,vector",
            description = "the runtimes for the hidden-1024 model, within the 3 minutes")
    List<String> largeRuntimes;

    @Mixin
    BenchModels.Choice models = new BenchModels.Choice();

    @Option(
            names = "--step-threads",
            split = ",",
            defaultValue = "1,0",
            description =
                    "threads of one CPU-runtime step, one set of vector cells per value (0: one per core, the serving "
                            + "default); the DJL runtime runs on --intra-op-threads")
    int[] stepThreads;

    @Option(
            names = "--distinct-sweep",
            split = ",",
            description =
                    "also measure decode at batch 32 on the CPU runtime with the sequences' adapters drawn from N "
                            + "different adapters, for each N (e.g. 4,8,16,32), against no adapter, interleaved: how the mixed cost "
                            + "grows with the adapter bytes one step reads")
    int[] distinctSweep = {};

    public static void main(String[] args) {
        System.exit(new CommandLine(new ModelBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        ObjectNode out = BenchReport.start("model"); // loads PyTorch, before its thread count is set
        if (intraOpThreads > 0) JniUtils.setNumThreads(intraOpThreads);
        out.put("intra_op_threads", JniUtils.getNumThreads());
        out.put("load_average_start", Math.round(100 * BenchReport.loadAverage()) / 100.0);
        out.put("prompt_tokens", length.prompt);
        out.put("adapters", adapters);
        ArrayNode results = out.putArray("models");
        Path dir = Files.createTempDirectory("patchwork-bench");
        try (NDManager manager = Devices.newManager()) {
            for (String name : models.names()) results.add(benchModel(name, dir.resolve(name), manager));
        } finally {
            BenchReport.deleteTree(dir);
        }
        out.put("load_average_end", Math.round(100 * BenchReport.loadAverage()) / 100.0);
        BenchReport.print(out, System.out);
        return 0;
    }

    private ObjectNode benchModel(String name, Path dir, NDManager manager) {
        TinyModelSpec spec = BenchModels.spec(name);
        ModelConfig config = TinyModelWriter.write(spec, dir.resolve("model"));
        List<AdapterWeights> pool = new ArrayList<>();
        for (int i = 0; i < adapters; i++) {
            Path a = dir.resolve("adapter-" + i);
            TinyAdapterWriter.write(
                    config,
                    TinyAdapterSpec.builder()
                            .optRank(8)
                            .optAlpha(16)
                            .optDtype(spec.dtype())
                            .optSeed(100 + i)
                            .build(),
                    a);
            pool.add(AdapterWeights.load("adapter-" + i, a, config));
        }
        ObjectNode node = JsonMapper.shared().createObjectNode();
        node.put("model", name);
        BenchReport.shape(node, config);
        node.put("checkpoint_dtype", spec.dtype().name());
        boolean large = BenchModels.Choice.large(spec);
        int cellDecode = models.scaled(spec, length.decode, 4);
        int cellRepeats = large ? 1 : repeats;
        try (Transformer model = Transformer.load(dir.resolve("model"), manager);
                DecodeRun run = new DecodeRun(model, dir.resolve("model"), pool, length.prompt, cellDecode)) {
            node.put("parameters", model.parameterCount());
            ArrayNode rows = node.putArray("results");
            node.put("decode_tokens", cellDecode);
            node.put("repeats", cellRepeats);
            List<DecodeRun.Runtime> chosen = (large ? largeRuntimes : runtimes)
                    .stream().map(DecodeRun.Runtime::of).toList();
            List<Variant> variants = new ArrayList<>();
            for (DecodeRun.Runtime rt : chosen) {
                if (!rt.cpu()) {
                    variants.add(new Variant(rt, 1));
                    continue;
                }
                for (int t : stepThreads) {
                    Variant v = new Variant(rt, StepThreads.resolve(t));
                    if (!variants.contains(v)) variants.add(v);
                }
            }
            for (Variant v : variants) {
                for (int w = 0; w < 3; w++)
                    run.measure(8, DecodeRun.Mode.MIXED, v.runtime(), adapters, v.threads()); // warm-up
            }
            double noneTps32 = 0; // the CPU runtime on one thread, no adapter, batch 32
            ObjectNode ratios = JsonMapper.shared().createObjectNode();
            ObjectNode cpuRatios = JsonMapper.shared().createObjectNode();
            ObjectNode ratioRuns = JsonMapper.shared().createObjectNode();
            for (Variant v : variants) {
                List<Double> pairs = new ArrayList<>();
                List<Double> cpuPairs = new ArrayList<>();
                for (int b : batches) {
                    java.util.Map<DecodeRun.Mode, List<DecodeRun.Result>> runs =
                            new java.util.EnumMap<>(DecodeRun.Mode.class);
                    int pairs32 = !large ? ratioRepeats : v.runtime().cpu() ? largeRatioRepeats : 1;
                    int reps = b == 32 ? Math.max(cellRepeats, pairs32) : cellRepeats;
                    for (int rep = 0; rep < reps; rep++) {
                        for (DecodeRun.Mode mode : DecodeRun.Mode.values()) {
                            if (rep >= cellRepeats && mode == DecodeRun.Mode.ONE)
                                continue; // extra pairs for the ratio only
                            runs.computeIfAbsent(mode, m -> new ArrayList<>())
                                    .add(run.measure(b, mode, v.runtime(), adapters, v.threads()));
                        }
                        if (b == 32) {
                            DecodeRun.Result none =
                                    runs.get(DecodeRun.Mode.NONE).getLast();
                            DecodeRun.Result mixed =
                                    runs.get(DecodeRun.Mode.MIXED).getLast();
                            pairs.add(mixed.decodeTokensPerSecond() / none.decodeTokensPerSecond());
                            cpuPairs.add(mixed.decodeCpuTokensPerSecond() / none.decodeCpuTokensPerSecond());
                        }
                    }
                    for (DecodeRun.Mode mode : DecodeRun.Mode.values()) {
                        DecodeRun.Result r = DecodeRun.Result.median(runs.get(mode));
                        if (b == 32
                                && mode == DecodeRun.Mode.NONE
                                && v.runtime().cpu()
                                && v.threads() == 1
                                && noneTps32 == 0) {
                            noneTps32 = r.decodeTokensPerSecond();
                        }
                        ObjectNode row = rows.addObject();
                        row.put("runtime", v.label());
                        row.put("batch", b);
                        row.put("adapters", mode.label());
                        row.put("prefill_tokens_per_s", Math.round(r.prefillTokensPerSecond()));
                        row.put("decode_tokens_per_s", Math.round(r.decodeTokensPerSecond()));
                        row.put("decode_tokens_per_cpu_s", Math.round(r.decodeCpuTokensPerSecond()));
                    }
                }
                if (!pairs.isEmpty()) {
                    ratios.put(v.label(), rounded(median(pairs)));
                    cpuRatios.put(v.label(), rounded(median(cpuPairs)));
                    ArrayNode sorted = ratioRuns.putArray(v.label());
                    pairs.stream().sorted().forEach(x -> sorted.add(rounded(x)));
                }
            }
            if (!ratios.isEmpty()) {
                node.set("mixed_vs_none_decode_at_batch_32", ratios);
                node.set("mixed_vs_none_decode_at_batch_32_pairs", ratioRuns);
            }
            if (noneTps32 > 0) node.set("adapter_reads_at_batch_32", reads(run, noneTps32, variants));
            if (distinctSweep.length > 0 && chosen.contains(DecodeRun.Runtime.VECTOR)) {
                node.set("distinct_adapters_sweep_at_batch_32", sweep(run, cellRepeats));
            }
            if (!cpuRatios.isEmpty()) node.set("mixed_vs_none_decode_cpu_at_batch_32", cpuRatios);
        }
        return node;
    }

    /**
     * The floor memory sets under the mixed-adapter step: the 32 adapters' bytes read as fast as this machine gives
     * them, and the mixed/none ratio one thread would reach if the deltas cost nothing but those reads and nothing
     * overlapped them with the base arithmetic (a thread cannot: Java has no prefetch instruction); for each storage of
     * the CPU runtime's slots, its bytes at the rate measured on float32 slots.
     */
    private static ObjectNode reads(DecodeRun run, double noneTps32, List<Variant> variants) {
        DecodeRun.Reads reads = run.adapterReads(32, 9);
        double rate = median(reads.gigabytesPerSecond());
        double noneStepMillis = 32 * 1000 / noneTps32;
        ObjectNode node = JsonMapper.shared().createObjectNode();
        node.put("read_gb_per_s", Math.round(rate * 10) / 10.0);
        node.put("none_step_ms_one_thread", Math.round(noneStepMillis * 1000) / 1000.0);
        for (DecodeRun.Runtime runtime : variants.stream()
                .map(Variant::runtime)
                .filter(DecodeRun.Runtime::cpu)
                .distinct()
                .toList()) {
            long bytes = run.adapterBytes(32, run.adapters(), runtime);
            double readMillis = bytes / rate / 1e6;
            ObjectNode storage = node.putObject(runtime.label());
            storage.put("adapter_mb_per_step", Math.round(bytes / 1e5) / 10.0);
            storage.put("read_ms_per_step", Math.round(readMillis * 1000) / 1000.0);
            storage.put("mixed_vs_none_bound_one_thread", rounded(noneStepMillis / (noneStepMillis + readMillis)));
        }
        return node;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double rounded(double ratio) {
        return Math.round(1000 * ratio) / 1000.0;
    }

    /** A runtime and, for the CPU runtime, the threads of each step. */
    private record Variant(DecodeRun.Runtime runtime, int threads) {
        String label() {
            return runtime.cpu() && threads > 1 ? runtime.label() + "-" + threads + "-threads" : runtime.label();
        }
    }

    /** Decode at batch 32 with adapters drawn from N different ones, each N's runs interleaved with no-adapter runs. */
    private ArrayNode sweep(DecodeRun run, int cellRepeats) {
        ArrayNode rows = JsonMapper.shared().createArrayNode();
        for (int n : distinctSweep) {
            int d = Math.max(1, Math.min(n, Math.min(32, adapters))); // a batch of 32 has at most 32 different adapters
            List<DecodeRun.Result> none = new ArrayList<>();
            List<DecodeRun.Result> mixed = new ArrayList<>();
            for (int rep = 0; rep < cellRepeats; rep++) {
                none.add(run.measure(32, DecodeRun.Mode.NONE, DecodeRun.Runtime.VECTOR));
                mixed.add(run.measure(32, DecodeRun.Mode.MIXED, DecodeRun.Runtime.VECTOR, d, 1));
            }
            double noneTps = DecodeRun.Result.median(none).decodeTokensPerSecond();
            double mixedTps = DecodeRun.Result.median(mixed).decodeTokensPerSecond();
            ObjectNode row = rows.addObject();
            row.put("distinct_adapters", d);
            row.put(
                    "adapter_mb_read_per_step",
                    Math.round(run.adapterBytes(32, d, DecodeRun.Runtime.VECTOR) / 1e5) / 10.0);
            row.put("none_decode_tokens_per_s", Math.round(noneTps));
            row.put("mixed_decode_tokens_per_s", Math.round(mixedTps));
            row.put("mixed_vs_none", rounded(mixedTps / noneTps));
        }
        return rows;
    }
}

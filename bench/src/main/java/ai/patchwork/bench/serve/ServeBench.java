package ai.patchwork.bench.serve;

import ai.patchwork.bench.BenchReport;
import ai.patchwork.model.lora.AdapterWeights;
import ch.qos.logback.classic.Level;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench serve}: the real HTTP server in this JVM (embedded PostgreSQL and S3), a generated 3.4M
 * model and rank-8 adapters on all seven projections registered through {@code POST /v1/adapters}, then streamed
 * completions of 64 greedy tokens over plain HTTP in four modes: {@code none} (base model), {@code one} (one adapter
 * for all), {@code mixed} (a different adapter per request, out of 100, all resident) and {@code churn} (300
 * adapters through 32 device slots and a host cache of 64 adapters, so adapters keep being evicted and reloaded
 * from the registry). Then the acceptance load test: 500 requests over the 300 adapters, 64 at a time, against a
 * queue small enough that some are shed with 429. Prints one JSON object.
 *
 * <p>With {@code --model-shape NAME} or {@code --model DIR} it runs {@link SizedServeBench} instead: a real-size
 * checkpoint served by a separate process.
 */
@Command(
        name = "bench serve",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmark HTTP serving on a generated 3.4M model in this JVM; prints JSON.",
            "With --model-shape tinyllama-1.1b|llama-7b or --model DIR: a real-size checkpoint served by a separate process "
                    + "(see bench serve --model-shape x --help)."
        })
public final class ServeBench implements Callable<Integer> {

    @Option(names = "--adapters", defaultValue = "100", description = "adapters of the mixed mode")
    int adapters;

    @Option(names = "--churn-adapters", defaultValue = "300")
    int churnAdapters;

    @Option(names = "--requests", split = ",", defaultValue = "64,256")
    int[] requests;

    @Option(names = "--concurrency", split = ",", defaultValue = "8,32")
    int[] concurrency;

    @Option(names = "--max-tokens", defaultValue = "64")
    int maxTokens;

    @Option(names = "--prompt", defaultValue = "16", description = "prompt tokens")
    int promptTokens;

    @Option(names = "--modes", split = ",", defaultValue = "none,one,mixed,churn")
    List<String> modes;

    @Option(
            names = "--scale",
            defaultValue = "1",
            description = "multiplies every request count (e.g. 0.25 on slow machines)")
    double scale;

    @Option(
            names = "--settle-seconds",
            defaultValue = "15",
            description = "base and adapter traffic before the first measured cell, once the adapters are loaded")
    int settleSeconds;

    @Option(names = "--load-requests", defaultValue = "500", description = "0 skips the load test")
    int loadRequests;

    @Option(names = "--load-concurrency", defaultValue = "64")
    int loadConcurrency;

    @Option(
            names = "--intra-op-threads",
            defaultValue = "1",
            description = "patchwork.serving.intra-op-threads of the server (0: PyTorch's default, one per core)")
    int intraOpThreads;

    @Option(
            names = "--step-threads",
            defaultValue = "0",
            description =
                    "patchwork.serving.step-threads of the server: threads one CPU-runtime step runs on (0: one per core)")
    int stepThreads;

    @Option(
            names = "--repeats",
            defaultValue = "5",
            description = "runs of each none/one/mixed cell, modes taking turns; the median run is reported")
    int repeats;

    @Option(
            names = "--runtime",
            defaultValue = "auto",
            description = "patchwork.serving.runtime of the server: auto (vector on a CPU), djl or vector")
    String runtime;

    @Option(
            names = "--adapter-storage",
            defaultValue = "int16",
            description =
                    "patchwork.serving.adapter-storage of the server: how the CPU runtime holds adapters, int16 or exact")
    String adapterStorage;

    private PrintStream stdout = System.out;

    public static void main(String[] args) {
        // stdout carries the JSON only: every log line (embedded services, Spring, DJL) goes to stderr.
        PrintStream json = System.out;
        System.setOut(System.err);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        if (SizedServeBench.wanted(args)) {
            SizedServeBench sized = new SizedServeBench();
            sized.stdout = json;
            System.exit(new CommandLine(sized).execute(args));
        }
        ServeBench bench = new ServeBench();
        bench.stdout = json;
        System.exit(new CommandLine(bench).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ObjectNode out = BenchReport.start("serve");
        Path dir = Files.createTempDirectory("patchwork-bench-serve");
        try {
            long t0 = System.nanoTime();
            BenchWorld world = BenchWorld.generate(dir, Math.max(adapters, churnAdapters));
            long adapterBytes = AdapterWeights.load("a", world.adapters().getFirst(), world.config())
                    .bytes();
            describe(out, world, adapterBytes);
            try (BenchServer server = BenchServer.start(dir.resolve("data"), world.model())) {
                new ServeCells(server, world, this, out).run(adapterBytes);
            }
            out.put("seconds", Math.round((System.nanoTime() - t0) / 1e9));
        } finally {
            BenchReport.deleteTree(dir);
        }
        BenchReport.print(out, stdout);
        return 0;
    }

    private void describe(ObjectNode out, BenchWorld world, long adapterBytes) {
        BenchReport.shape(out.putObject("model"), world.config());
        ObjectNode a = out.putObject("adapters");
        a.put("rank", BenchWorld.RANK);
        a.put("projections", 7);
        a.put("mixed", adapters);
        a.put("churn", churnAdapters);
        a.put("bytes_each", adapterBytes);
        ObjectNode w = out.putObject("workload");
        w.put("prompt_tokens", promptTokens);
        w.put("max_tokens", maxTokens);
        w.put("temperature", 0);
        w.put("stream", true);
    }

    int count(int n) {
        return Math.max(1, (int) Math.round(n * scale));
    }
}

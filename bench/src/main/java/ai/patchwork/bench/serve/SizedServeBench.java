package ai.patchwork.bench.serve;

import ai.patchwork.bench.BenchReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./patchwork bench serve --model-shape tinyllama-1.1b} (or {@code --model DIR}): a real-size checkpoint served
 * by {@code ./patchwork up} in a process of its own, measured as a user would meet it. Start: seconds from the process
 * start to health UP, resident memory then and its peak, and one 4-token request right after. Then the PEFT adapters
 * are registered through {@code POST /v1/adapters} and loaded by a first request each, their upload and cold load
 * timed and their resident bytes read ({@link AdapterCosts}), and at each concurrency (1, 4, 8) three modes take turns:
 * {@code base} (no adapter), {@code same} (one adapter for every request) and {@code distinct} (request i on adapter
 * (i + i / 8) mod N). Every request is a streamed greedy completion of one of eight short English prompts with
 * {@code ignore_eos}, the workload of the llama.cpp comparison scripts, so both servers can be run on the same
 * checkpoint and compared. The modes {@code prefix} (time to first token with a system prompt not yet cached, then
 * cached) and {@code structured} (decode throughput of a constrained batch against an unconstrained one) run once
 * after the cells ({@link ServeScenarios}), and {@code sft} trains a fine-tuning job next to serving
 * ({@link SftAtSize}). Prints one JSON object; the server's log is kept in a file named in it.
 */
@Command(
        name = "bench serve",
        mixinStandardHelpOptions = true,
        description = "Benchmark a real-size checkpoint served by a separate ./patchwork up process; prints JSON.")
final class SizedServeBench implements Callable<Integer> {

    /** The prompts of {@code llamacpp-compare/bench.py}: request i sends prompt i mod 8. */
    static final List<String> PROMPTS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "In the spring the fields turned green and the farmers planted corn.",
            "Computers read numbers such as 0, 1, 2, 3 and 42.",
            "The baker opened his shop at six o'clock, and the teacher rang the bell.",
            "Please write clear code, document the interface, and check every result twice.",
            "What time is it? asked the little girl.",
            "A model predicts the next token from the previous tokens.",
            "Children ran through the streets, laughing and shouting.");

    /** The server's admin key, for its {@code /actuator/prometheus}. */
    private static final String ADMIN_KEY =
            "sk-admin-bench" + UUID.randomUUID().toString().replace("-", "");

    @Mixin
    BenchCheckpoint.Options checkpoint = new BenchCheckpoint.Options();

    @Option(names = "--requests", defaultValue = "16", description = "measured requests per cell")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "32", description = "tokens generated per request")
    int maxTokens;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,8")
    int[] concurrency;

    /**
     * The base model with requests that skip the API key check ({@link KeyCheckBypass}): next to {@code base}, the
     * check's cost.
     */
    static final String NO_KEY_CHECK = "base-no-key-check";

    @Option(
            names = "--modes",
            split = ",",
            defaultValue = "base,same,distinct",
            description = "base, same (one adapter), distinct (an adapter per request), " + NO_KEY_CHECK
                    + " (base without the API key check, to compare with base) at each concurrency; prefix, "
                    + "structured (see ServeScenarios); sft (see SftAtSize)")
    List<String> modes;

    @Mixin
    ServeScenarios.PrefixOptions prefix = new ServeScenarios.PrefixOptions();

    @Mixin
    ServeScenarios.StructuredOptions structured = new ServeScenarios.StructuredOptions();

    /** A fine-tuning job trained next to serving, in the same process ({@link SftAtSize}). */
    static final String SFT = "sft";

    @Option(
            names = "--upload-client-warm-ups",
            defaultValue = "2",
            description = "untimed uploads of the first adapter to a sink in this process before the timed uploads, so"
                    + " that those time the server, not this client's first run of its sending code; 0: none")
    int uploadClientWarmUps;

    @Mixin
    SftAtSize.Options sft = new SftAtSize.Options();

    @Option(names = "--warmup", defaultValue = "4", description = "untimed requests, one at a time, before each cell")
    int warmup;

    @Mixin
    ServerProcess.Options server = new ServerProcess.Options();

    @Option(
            names = "--generate-only",
            description = "write (or find) the checkpoint and adapters, print where they "
                    + "are, and stop: to convert them for another server first")
    boolean generateOnly;

    PrintStream stdout = System.out;

    @Override
    public Integer call() throws Exception {
        for (String m : modes) {
            if (!List.of("base", "same", "distinct", NO_KEY_CHECK, SFT).contains(m)
                    && !ServeScenarios.MODES.contains(m)) throw new IllegalArgumentException("unknown mode " + m);
        }
        if (requests < 1 || maxTokens < 1)
            throw new IllegalArgumentException("--requests and --max-tokens must be at least 1");
        BenchCheckpoint world = checkpoint.resolve();
        ObjectNode out = JsonMapper.shared().createObjectNode();
        out.put("benchmark", "serve-checkpoint");
        machine(out.putObject("machine"));
        describe(out, world);
        if (generateOnly) {
            ArrayNode paths = out.putArray("adapter_paths");
            world.adapters().forEach(a -> paths.add(a.toString()));
            BenchReport.print(out, stdout);
            return 0;
        }
        Path run = Files.createTempDirectory("patchwork-bench-serve-");
        List<String> args = new ArrayList<>(List.of(
                "--patchwork.data-dir=" + run.resolve("data"),
                "--patchwork.base-models." + world.id() + ".path=" + world.model(),
                "--patchwork.roles=" + (modes.contains(SFT) ? "api,serving,worker" : "api,serving"),
                "--patchwork.serving.adapter-slots=" + checkpoint.adapters,
                "--patchwork.serving.max-lora-rank=" + checkpoint.rank,
                "--patchwork.auth.bootstrap-project-key=" + BenchServer.KEY,
                "--patchwork.auth.bootstrap-admin-key=" + ADMIN_KEY,
                "--spring.main.banner-mode=off"));
        args.addAll(server.args);
        ObjectNode serverJson = out.putObject("server");
        serverJson.putPOJO("jvm_options", server.jvmOptions);
        serverJson.putPOJO("args", args);
        serverJson.put("log", run.resolve("server.log").toString());
        List<Path> extra = modes.contains(NO_KEY_CHECK)
                ? List.of(KeyCheckBypass.install(run.resolve("key-check-bypass")))
                : List.of();
        try (ServerProcess process = ServerProcess.start(server.jvmOptions, args, run.resolve("server.log"), extra)) {
            System.err.println("bench serve: server pid " + process.pid() + ", log " + run.resolve("server.log"));
            double ready = process.awaitReady(Duration.ofSeconds(server.readyTimeout));
            ServerProcess.Memory atReady = process.memory();
            LoadClient client = new LoadClient(process.port(), BenchServer.KEY);
            LoadClient unchecked = LoadClient.withoutKeyCheck(process.port());
            LoadClient.Run first = client.run(1, 1, i -> world.id(), i -> json(PROMPTS.getFirst()), 4);
            ObjectNode start = out.putObject("start");
            start.put("ready_seconds", Stats.round(ready));
            start.put("rss_when_ready_mb", atReady.rss() >> 20);
            start.put("peak_rss_when_ready_mb", atReady.peak() >> 20);
            start.put("first_request_4_tokens_ms", first.ok().isEmpty() ? -1 : Stats.round(first.wallNanos() / 1e6));
            System.err.println("bench serve: " + start);
            List<String> ids = List.of();
            if (modes.stream().anyMatch(m -> m.equals("same") || m.equals("distinct"))) {
                AdapterUploads.warmClient(
                        BenchServer.KEY, world.id(), world.adapters().getFirst(), uploadClientWarmUps);
                AdapterUploads.Registered registered =
                        AdapterUploads.register(process.port(), BenchServer.KEY, world.id(), world.adapters(), 1);
                ids = registered.ids();
                long bytes = Files.size(world.adapters().getFirst().resolve("adapter_model.safetensors"));
                out.set(
                        "upload",
                        AdapterCosts.uploads(
                                registered, uploadClientWarmUps, bytes, Prometheus.scrape(process.port(), ADMIN_KEY)));
                System.err.println("bench serve: upload " + out.get("upload"));
                out.set("cold_load", AdapterCosts.coldLoads(process, client, ADMIN_KEY, ids, world.adapters()));
                System.err.println("bench serve: cold_load " + out.get("cold_load"));
            }
            ArrayNode results = out.putArray("results");
            for (int c : concurrency) {
                for (String mode : modes) {
                    if (ServeScenarios.MODES.contains(mode) || mode.equals(SFT)) continue;
                    LoadClient sender = mode.equals(NO_KEY_CHECK) ? unchecked : client;
                    results.add(cell(sender, process.port(), mode, c, model(mode, world.id(), ids)));
                }
            }
            int vocab = world.config().vocabSize();
            if (modes.contains("prefix"))
                results.add(ServeScenarios.prefix(client, world.id(), vocab, prefix, maxTokens));
            if (modes.contains("structured"))
                results.add(ServeScenarios.structured(client, world.id(), structured, maxTokens));
            if (modes.contains(SFT)) results.add(SftAtSize.run(process, BenchServer.KEY, world.id(), sft));
            ServerProcess.Memory end = process.memory();
            out.putObject("end")
                    .put("rss_mb", end.rss() >> 20)
                    .put("peak_rss_mb", end.peak() >> 20)
                    .put("load_average", Stats.round(BenchReport.loadAverage()));
        } finally {
            BenchReport.deleteTree(run.resolve("data")); // the server's database and object store; its log stays
        }
        BenchReport.print(out, stdout);
        return 0;
    }

    private static IntFunction<String> model(String mode, String base, List<String> ids) {
        return switch (mode) {
            case "base", NO_KEY_CHECK -> i -> base;
            case "same" -> i -> ids.getFirst();
            default -> i -> ids.get((i + i / PROMPTS.size()) % ids.size());
        };
    }

    private ObjectNode cell(LoadClient client, int port, String mode, int c, IntFunction<String> model)
            throws Exception {
        IntFunction<String> prompt = i -> json(PROMPTS.get(i % PROMPTS.size()));
        client.run(Math.min(warmup, requests), 1, model, prompt, maxTokens);
        StepSplit before = StepSplit.scrape(port, ADMIN_KEY);
        LoadClient.Run run = client.run(requests, c, model, prompt, maxTokens);
        StepSplit steps = StepSplit.scrape(port, ADMIN_KEY).since(before);
        List<LoadClient.Outcome> ok = run.ok();
        ObjectNode cell = JsonMapper.shared().createObjectNode();
        cell.put("mode", mode);
        cell.put("concurrency", c);
        cell.put("requests", requests);
        cell.put("errors", requests - ok.size());
        cell.put("tokens", run.tokens());
        cell.put("tokens_per_s", Stats.round(run.tokens() / (run.wallNanos() / 1e9)));
        Stats.latencies(cell, ok);
        steps.write(cell, run.tokens(), run.wallNanos());
        cell.put("load_average", Stats.round(BenchReport.loadAverage()));
        System.err.println("bench serve: " + cell);
        return cell;
    }

    private static String json(String text) {
        return JsonMapper.shared().writeValueAsString(text);
    }

    private void describe(ObjectNode out, BenchCheckpoint world) throws IOException {
        ObjectNode m = out.putObject("model");
        m.put("id", world.id());
        if (checkpoint.shape() != null) m.put("shape", checkpoint.shape());
        m.put("path", world.model().toString());
        BenchReport.shape(m, world.config());
        m.put("checkpoint_bytes", world.checkpointBytes());
        ObjectNode a = out.putObject("adapters");
        a.put("count", checkpoint.adapters);
        a.put("rank", checkpoint.rank);
        a.put("projections", 7);
        a.put("bytes_each", Files.size(world.adapters().getFirst().resolve("adapter_model.safetensors")));
        out.put("generated_seconds", Stats.round(world.generatedSeconds()));
        ObjectNode w = out.putObject("workload");
        w.put("requests_per_cell", requests);
        w.put("max_tokens", maxTokens);
        w.put("temperature", 0);
        w.put("stream", true);
        w.put("ignore_eos", true);
        w.put(
                "prompts",
                "the " + PROMPTS.size() + " English sentences of llamacpp-compare/bench.py, request i: i mod "
                        + PROMPTS.size());
        w.put("warmup_requests_per_cell", Math.min(warmup, requests));
    }

    private static void machine(ObjectNode m) {
        m.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .ifPresent(l -> m.put("cpu", l.substring(l.indexOf(':') + 1).trim()));
            Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .findFirst()
                    .ifPresent(l -> m.put("memory_mb", Long.parseLong(l.replaceAll("\\D", "")) >> 10));
        } catch (IOException e) {
            // not Linux: the cores are enough to tell machines apart
        }
        m.put("load_average_at_start", Stats.round(BenchReport.loadAverage()));
    }

    /** Whether these arguments ask for this benchmark rather than the generated-model one. */
    static boolean wanted(String[] args) {
        for (String a : args) {
            if (a.equals("--model") || a.startsWith("--model=") || a.startsWith("--model-shape")) return true;
        }
        return false;
    }
}

package ai.patchwork.bench.serve;

import ai.patchwork.serving.AdapterCacheStats;
import ai.patchwork.serving.EngineStats;
import ai.patchwork.serving.InferenceEngine;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The measured part of {@code bench serve}. Phase 1 serves the mixed-mode adapters from enough device slots for all
 * of them (cold loads measured once, in a warm-up that touches each); phase 2 restarts the application with 32
 * device slots, a host cache of 64 adapters and a queue of 16 for the churn mode and the load test.
 */
final class ServeCells {
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final BenchServer server;
    private final BenchWorld world;
    private final ServeBench o;
    private final ObjectNode out;
    private final int[] prompt;

    ServeCells(BenchServer server, BenchWorld world, ServeBench options, ObjectNode out) {
        this.server = server;
        this.world = world;
        this.o = options;
        this.out = out;
        this.prompt = Stats.prompt(options.promptTokens);
    }

    void run(long adapterBytes) throws Exception {
        Map<String, String> phase1 = settings(o.adapters + 8, null);
        server.run(phase1);
        long t0 = System.nanoTime();
        List<String> ids = AdapterUploads.register(
                        server.port(), BenchServer.KEY, BenchServer.MODEL, world.adapters(), 4)
                .ids();
        out.putObject("registration")
                .put("adapters", ids.size())
                .put("seconds", Stats.round((System.nanoTime() - t0) / 1e9));
        LoadClient client = new LoadClient(server.port(), BenchServer.KEY);
        client.run(
                64,
                8,
                i -> BenchServer.MODEL,
                prompt,
                32); // warm-up on the base model: adapters stay cold for the loads
        client.run(64, 32, i -> BenchServer.MODEL, prompt, 32);
        // Cold loads one at a time (registry → host memory, as the engine times them), then the rest in parallel.
        int cold = Math.min(20, o.adapters);
        client.run(cold, 1, ids::get, prompt, 1);
        loads(out.putObject("adapter_cold_load_ms").put("requests_at_once", 1));
        client.run(o.adapters - cold, 32, i -> ids.get(cold + i), prompt, 8);
        // Then half base, half adapter traffic for a while: without it the first measured cell still sped up run after
        // run (a third from its first run to its third), which skewed its median and its first mixed / none pair.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.settleSeconds);
        while (System.nanoTime() < settle) {
            client.run(64, 8, i -> i % 2 == 0 ? BenchServer.MODEL : ids.get(i % o.adapters), prompt, 32);
        }
        ObjectNode config1 = out.putObject("serving_config");
        phase1.forEach(config1::put);
        ArrayNode results = out.putArray("results");
        ObjectNode ratios = out.putObject("mixed_vs_none");
        ObjectNode ratioPairs = out.putObject("mixed_vs_none_pairs");
        for (int c : o.concurrency) {
            for (int n : o.requests) {
                // Modes take turns, repeats times, and each reports its median run: this VM's speed drifts by tens of
                // percent between minutes, and a ratio of two single cells measured a minute apart moves with it. Mixed
                // runs
                // right after none, and mixed / none is the median of those adjacent pairs' ratios.
                Map<String, List<ObjectNode>> runs = new java.util.LinkedHashMap<>();
                Map<String, List<LoadClient.Outcome>> answered = new java.util.HashMap<>(); // every run's, per mode
                List<Double> pairs = new java.util.ArrayList<>();
                for (int rep = 0; rep < o.repeats; rep++) {
                    int shift = rep;
                    for (String mode : List.of("none", "mixed", "one")) {
                        if (!o.modes.contains(mode)) continue;
                        IntFunction<String> model = switch (mode) {
                            case "none" -> i -> BenchServer.MODEL;
                            case "one" -> i -> ids.getFirst();
                            default ->
                                i -> ids.get((i * 37 + n + shift) % o.adapters); // a different adapter per request
                        };
                        runs.computeIfAbsent(mode, m -> new java.util.ArrayList<>())
                                .add(cell(
                                        client,
                                        mode,
                                        o.count(n),
                                        c,
                                        model,
                                        answered.computeIfAbsent(mode, m -> new java.util.ArrayList<>())));
                    }
                    if (runs.containsKey("none") && runs.containsKey("mixed")) {
                        pairs.add(
                                runs.get("mixed").getLast().path("tokens_per_s").asDouble()
                                        / runs.get("none")
                                                .getLast()
                                                .path("tokens_per_s")
                                                .asDouble());
                    }
                }
                for (Map.Entry<String, List<ObjectNode>> e : runs.entrySet()) {
                    List<ObjectNode> cells = new java.util.ArrayList<>(e.getValue());
                    cells.sort(java.util.Comparator.comparingDouble(
                            x -> x.path("tokens_per_s").asDouble()));
                    ObjectNode median = cells.get(cells.size() / 2).deepCopy();
                    ArrayNode all = median.putArray("tokens_per_s_runs");
                    e.getValue().forEach(x -> all.add(x.path("tokens_per_s").asLong()));
                    median.put(
                            "errors_all_runs",
                            e.getValue().stream()
                                    .mapToLong(x -> x.path("errors").asLong())
                                    .sum());
                    // One 64-request run's p95 is its 61st latency: a single stall of the VM that holds 8 requests
                    // moves it.
                    // Over every run of the cell the tail rests on `repeats` times as many requests.
                    List<LoadClient.Outcome> pooled = answered.get(e.getKey());
                    median.putObject("latency_all_runs_ms")
                            .put("requests", pooled.size())
                            .put("p50", Stats.percentileMs(pooled, LoadClient.Outcome::total, 50))
                            .put("p95", Stats.percentileMs(pooled, LoadClient.Outcome::total, 95));
                    results.add(median);
                }
                if (!pairs.isEmpty()) {
                    String cell = "concurrency_" + c + "_requests_" + o.count(n);
                    ratios.put(cell, Stats.ratio(Stats.median(pairs)));
                    ArrayNode each = ratioPairs.putArray(cell);
                    pairs.forEach(x -> each.add(Stats.ratio(x)));
                }
            }
        }
        if (!o.modes.contains("churn") && o.loadRequests == 0) return;
        long hostBound = 64 * adapterBytes;
        Map<String, String> phase2 = settings(32, hostBound);
        server.run(phase2);
        ObjectNode churn = out.putObject("churn");
        phase2.forEach(churn.putObject("serving_config")::put);
        LoadClient churnClient = new LoadClient(server.port(), BenchServer.KEY);
        AtomicLong hostMax = new AtomicLong();
        Thread sampler = Thread.ofVirtual().start(() -> sampleHostBytes(hostMax));
        if (o.modes.contains("churn")) {
            int offset = 0;
            for (int c : o.concurrency) {
                for (int n : o.requests) {
                    int start = offset;
                    results.add(cell(
                            churnClient,
                            "churn",
                            o.count(n),
                            c,
                            i -> ids.get((start + i) % o.churnAdapters),
                            new java.util.ArrayList<>()));
                    offset += o.count(n);
                }
            }
            loads(churn.putObject("adapter_load_ms"));
        }
        sampler.interrupt();
        churn.put("host_cache_bound_bytes", hostBound);
        churn.put("host_cache_max_bytes", hostMax.get());
        System.gc();
        churn.put(
                "heap_used_after_mb",
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        if (o.loadRequests > 0) {
            Map<String, String> phase3 = new java.util.HashMap<>(phase2);
            phase3.put("max-queued", "16"); // 64 clients against 32 + 16 places: some requests are shed, by design
            server.run(phase3);
            loadTest(new LoadClient(server.port(), BenchServer.KEY), ids, phase3);
        }
    }

    /** One run of a cell; its answered requests are added to {@code answered}. */
    private ObjectNode cell(
            LoadClient client, String mode, int n, int c, IntFunction<String> model, List<LoadClient.Outcome> answered)
            throws Exception {
        double[] passes0 = passes();
        long cpu0 = PROCESS.getProcessCpuTime();
        LoadClient.Run run = client.run(n, c, model, prompt, o.maxTokens);
        long cpu = PROCESS.getProcessCpuTime() - cpu0;
        double[] passes = passes();
        List<LoadClient.Outcome> ok = run.ok();
        answered.addAll(ok);
        ObjectNode cell = JsonMapper.shared().createObjectNode();
        cell.put("mode", mode);
        cell.put("requests", n);
        cell.put("concurrency", c);
        cell.put("tokens_per_s", Math.round(run.tokens() / (run.wallNanos() / 1e9)));
        // CPU time of this whole process (server and client) per token: unlike tokens/s it does not move when other
        // tenants take the cores, so it compares runs on a shared machine.
        if (run.tokens() > 0) cell.put("process_cpu_us_per_token", Math.round(cpu / 1e3 / run.tokens()));
        cell.put("load_average", Stats.round(PROCESS.getSystemLoadAverage()));
        cell.put("errors", n - ok.size());
        if (ok.size() < n) {
            ObjectNode statuses = cell.putObject("statuses");
            run.statuses().forEach((k, v) -> statuses.put(Integer.toString(k), v));
        }
        // Every mode streams one chunk per token (LoadClient), so the cells do the same HTTP work per token.
        cell.put(
                "chunks_per_request",
                Stats.round(ok.stream()
                        .mapToInt(LoadClient.Outcome::chunks)
                        .average()
                        .orElse(0)));
        Stats.latencies(cell, ok);
        ObjectNode engine = cell.putObject("forward_passes"); // the engine's step timers over this cell
        double busy = 0;
        for (int i = 0; i < PHASES.length; i++) {
            double count = passes[3 * i] - passes0[3 * i];
            double nanos = passes[3 * i + 1] - passes0[3 * i + 1];
            busy += nanos;
            engine.put(PHASES[i] + "_steps", Math.round(count));
            if (count == 0) continue;
            engine.put(PHASES[i] + "_sequences_mean", Stats.round((passes[3 * i + 2] - passes0[3 * i + 2]) / count));
            engine.put(PHASES[i] + "_ms_mean", Math.round(nanos / 1e3 / count) / 1e3);
        }
        engine.put("share_of_wall", Math.round(1000 * busy / run.wallNanos()) / 1e3);
        System.err.println("bench serve: " + cell);
        return cell;
    }

    private static final String[] PHASES = {"prefill", "decode"};

    /** Per phase: forward passes so far, their nanoseconds and sequences, from the engine's meters. */
    private double[] passes() {
        double[] out = new double[3 * PHASES.length];
        for (int i = 0; i < PHASES.length; i++) {
            Timer t = server.meters()
                    .find("patchwork.step.time")
                    .tag("phase", PHASES[i])
                    .timer();
            DistributionSummary rows = server.meters()
                    .find("patchwork.batch.size")
                    .tag("phase", PHASES[i])
                    .summary();
            if (t == null || rows == null) continue;
            out[3 * i] = t.count();
            out[3 * i + 1] = t.totalTime(TimeUnit.NANOSECONDS);
            out[3 * i + 2] = rows.totalAmount();
        }
        return out;
    }

    /** The engine's adapter load timer (registry → host memory): count and percentiles since this start. */
    private void loads(ObjectNode into) {
        Timer t = server.meters().find("patchwork.adapter.load.time").timer();
        if (t == null) return;
        into.put("count", t.count());
        for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
            into.put("p" + Math.round(v.percentile() * 100), Stats.round(v.value(TimeUnit.MILLISECONDS)));
        }
        into.put("max", Stats.round(t.max(TimeUnit.MILLISECONDS)));
    }

    private void sampleHostBytes(AtomicLong max) {
        while (!Thread.currentThread().isInterrupted()) {
            for (InferenceEngine e : server.served().engines()) {
                AdapterCacheStats s = e.adapters().stats();
                max.accumulateAndGet(s.hostBytes(), Math::max);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * 500 requests over 300 adapters, 64 at a time, against a batch of 32 and a queue of 16: 429s are intended, and a
     * client that gets one retries after {@code Retry-After}, as the OpenAI SDKs do.
     */
    private void loadTest(LoadClient client, List<String> ids, Map<String, String> config) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        int[] picks = new int[o.loadRequests];
        for (int i = 0; i < picks.length; i++) picks[i] = random.nextInt(Math.min(o.churnAdapters, ids.size()));
        client.retryOn429(5);
        LoadClient.Run run = client.run(o.loadRequests, o.loadConcurrency, i -> ids.get(picks[i]), prompt, o.maxTokens);
        ObjectNode load = out.putObject("load_test");
        config.forEach(load.putObject("serving_config")::put);
        load.put("requests", o.loadRequests);
        load.put("adapters", Math.min(o.churnAdapters, ids.size()));
        load.put("concurrency", o.loadConcurrency);
        ObjectNode statuses = load.putObject("final_statuses");
        run.statuses().forEach((k, v) -> statuses.put(Integer.toString(k), v));
        load.put(
                "answers_429",
                run.outcomes().stream().mapToInt(LoadClient.Outcome::rejections).sum());
        long unintended = run.outcomes().stream()
                .filter(x -> x.status() != 429 && (x.status() != 200 || x.error() != null))
                .count();
        load.put("unintended_errors", unintended);
        load.put("seconds", Stats.round(run.wallNanos() / 1e9));
        load.put("tokens_per_s", Math.round(run.tokens() / (run.wallNanos() / 1e9)));
        // healthy afterwards: the engine drains, health is UP, and a request still completes
        InferenceEngine engine = server.served().engines().iterator().next();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        EngineStats s = engine.stats();
        while ((s.running() > 0 || s.waiting() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = engine.stats();
        }
        HttpResponse<String> health = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        LoadClient.Run after = client.run(1, 1, i -> ids.getFirst(), prompt, 8);
        load.put("drained", s.running() == 0 && s.waiting() == 0);
        load.put("health", health.statusCode() == 200 && health.body().contains("UP") ? "UP" : health.body());
        load.put("request_after_ok", after.ok().size() == 1);
    }

    /**
     * The engine settings of a phase: batches of 32, {@code adapterSlots} slots, the world's rank, a deep queue, the
     * options' threads, runtime and adapter storage, and a host cache of {@code hostCache} bytes (null: the default).
     */
    private Map<String, String> settings(int adapterSlots, Long hostCache) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("max-batch-size", "32");
        s.put("adapter-slots", Integer.toString(adapterSlots));
        s.put("max-lora-rank", Integer.toString(BenchWorld.RANK));
        s.put("max-queued", "4096");
        if (hostCache != null) s.put("host-cache", Long.toString(hostCache));
        s.put("intra-op-threads", Integer.toString(o.intraOpThreads));
        s.put("step-threads", Integer.toString(o.stepThreads));
        s.put("runtime", o.runtime);
        s.put("adapter-storage", o.adapterStorage);
        return Collections.unmodifiableMap(s);
    }
}

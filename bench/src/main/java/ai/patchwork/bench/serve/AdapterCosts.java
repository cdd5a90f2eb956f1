package ai.patchwork.bench.serve;

import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What adapters cost at a real size, measured after they are registered: the upload of each (one at a time), its
 * cold load into serving (registry and object store to a resident adapter), and the memory the resident adapters
 * take against their 16-bit size. A cold load is timed twice: by the server's own timer
 * ({@code patchwork.adapter.load.time}, source to host memory, per adapter, read from {@code /actuator/prometheus}
 * right after the loads so that its sliding-window percentiles still hold them) and as a client sees it, the time to
 * the first token of a 1-token request on an adapter not yet loaded against a second one on the same adapter.
 */
final class AdapterCosts {
    /** Issue 18's bounds: upload of a 25 MB adapter and cold load at the 95th percentile. */
    static final double UPLOAD_BOUND_MS = 500;

    static final double COLD_LOAD_P95_BOUND_MS = 100;

    private AdapterCosts() {}

    /** Labels of Spring's request timer for a registered upload ({@code POST /v1/adapters} answered 201). */
    private static final String[] UPLOAD_REQUESTS = {"method=\"POST\"", "status=\"201\"", "uri=\"/v1/adapters\""};

    /**
     * The uploads' times as the client saw them, from its first byte sent to the answer ({@code first}: the first
     * upload's, the server's first; the client's sending code ran {@code client_warm_ups} times on a sink in this
     * process before, {@link AdapterUploads#warmClient}), and as the server timed
     * them ({@code server_ms}: Spring's {@code http.server.requests} timer of the registered uploads, from the request
     * reaching the application to the answer written, body received included; its count, mean and maximum).
     */
    static ObjectNode uploads(
            AdapterUploads.Registered registered, int clientWarmUps, long bytesEach, Prometheus metrics) {
        ObjectNode u = JsonMapper.shared().createObjectNode();
        u.put("adapters", registered.ids().size());
        u.put("bytes_each", bytesEach);
        u.put("one_at_a_time", true);
        u.put("client_warm_ups", clientWarmUps);
        List<Long> nanos = registered.nanos();
        double p95 = Stats.percentileMs(nanos, n -> n, 95);
        u.putObject("ms")
                .put("p50", Stats.percentileMs(nanos, n -> n, 50))
                .put("p95", p95)
                .put("max", Stats.maxMs(nanos, n -> n))
                .put("first", Stats.round(nanos.getFirst() / 1e6));
        String timer = "http_server_requests_seconds";
        ObjectNode server = u.putObject("server_ms");
        OptionalDouble count = metrics.sum(timer + "_count", UPLOAD_REQUESTS);
        OptionalDouble sum = metrics.sum(timer + "_sum", UPLOAD_REQUESTS);
        server.put("count", count.orElse(-1));
        if (count.isPresent() && sum.isPresent() && count.getAsDouble() > 0)
            server.put("mean", Stats.round(1000 * sum.getAsDouble() / count.getAsDouble()));
        double serverMax = ms(metrics.max(timer + "_max", UPLOAD_REQUESTS));
        server.put("max", serverMax);
        u.put("bound_ms", UPLOAD_BOUND_MS);
        u.put("max_within_bound", Stats.maxMs(nanos, n -> n) <= UPLOAD_BOUND_MS);
        u.put("server_max_within_bound", serverMax >= 0 && serverMax <= UPLOAD_BOUND_MS);
        return u;
    }

    /**
     * Loads every adapter with a 1-token request (then a second, warm, on the same adapter), one at a time, and reads
     * the server's load timer and the adapter tiers' bytes.
     */
    static ObjectNode coldLoads(
            ServerProcess process, LoadClient client, String adminKey, List<String> ids, List<Path> folders)
            throws InterruptedException, IOException {
        ServerProcess.Memory before = process.memory();
        long[] cold = new long[ids.size()];
        long[] warm = new long[ids.size()];
        String prompt = JsonMapper.shared().writeValueAsString(SizedServeBench.PROMPTS.getFirst());
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            cold[i] = ttft(client.run(1, 1, n -> id, n -> prompt, 1), id);
            warm[i] = ttft(client.run(1, 1, n -> id, n -> prompt, 1), id);
        }
        Prometheus metrics = Prometheus.scrape(process.port(), adminKey);
        ServerProcess.Memory after = process.memory();
        ObjectNode c = JsonMapper.shared().createObjectNode();
        String timer = "patchwork_adapter_load_time_seconds";
        ObjectNode server = c.putObject("server_load_ms");
        server.put("timer", "patchwork.adapter.load.time (registry to host memory)");
        server.put("count", metrics.sum(timer + "_count", "").orElse(-1));
        server.put("p50", ms(metrics.max(timer, "quantile=\"0.5\"")));
        server.put("p95", ms(metrics.max(timer, "quantile=\"0.95\"")));
        server.put("max", ms(metrics.max(timer + "_max", "")));
        OptionalDouble count = metrics.sum(timer + "_count", "");
        OptionalDouble sum = metrics.sum(timer + "_sum", "");
        if (count.isPresent() && sum.isPresent() && count.getAsDouble() > 0)
            server.put("mean", Stats.round(1000 * sum.getAsDouble() / count.getAsDouble()));
        server.put("bound_p95_ms", COLD_LOAD_P95_BOUND_MS);
        List<Long> coldList = Arrays.stream(cold).boxed().toList();
        List<Long> warmList = Arrays.stream(warm).boxed().toList();
        c.putObject("first_request_ttft_ms")
                .put("p50", Stats.percentileMs(coldList, n -> n, 50))
                .put("p95", Stats.percentileMs(coldList, n -> n, 95))
                .put("max", Stats.maxMs(coldList, n -> n))
                .put("first", Stats.round(cold[0] / 1e6));
        c.putObject("second_request_ttft_ms")
                .put("p50", Stats.percentileMs(warmList, n -> n, 50))
                .put("p95", Stats.percentileMs(warmList, n -> n, 95));
        long int16 = 0;
        for (Path dir : folders.subList(0, ids.size()))
            int16 += 2 * parameters(dir.resolve("adapter_model.safetensors"));
        long host = (long) metrics.sum("patchwork_adapter_host_bytes", "").orElse(-1);
        long device = (long) metrics.sum("patchwork_adapter_device_bytes", "").orElse(-1);
        ObjectNode r = c.putObject("resident");
        r.put("adapters_in_host_memory", (long)
                metrics.sum("patchwork_adapter_host_adapters", "").orElse(-1));
        r.put("device_slots_used", (long)
                metrics.sum("patchwork_adapter_device_slots_used", "").orElse(-1));
        r.put("int16_bytes", int16);
        r.put("host_tier_bytes", host);
        r.put("device_tier_bytes", device);
        r.put("total_over_int16", Stats.ratio((double) (host + device) / int16));
        r.put("rss_before_loads_mb", before.rss() >> 20);
        r.put("rss_after_loads_mb", after.rss() >> 20);
        return c;
    }

    private static long ttft(LoadClient.Run run, String id) {
        LoadClient.Outcome o = run.outcomes().getFirst();
        if (o.status() != 200 || o.error() != null)
            throw new IllegalStateException("a request on adapter " + id + " failed: " + o);
        return o.firstChunk();
    }

    private static double ms(OptionalDouble seconds) {
        return seconds.isPresent() ? Stats.round(seconds.getAsDouble() * 1000) : -1;
    }

    /** The parameters of a safetensors file, from its header. */
    static long parameters(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            long n = SafetensorsHeader.headerLength(ByteBuffer.wrap(in.readNBytes(8)), size);
            SafetensorsHeader header = SafetensorsHeader.parse(in.readNBytes((int) n), size);
            return header.tensors().values().stream()
                    .mapToLong(TensorInfo::numel)
                    .sum();
        }
    }
}

package ai.patchwork.bench.serve;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code sft} mode of a sized {@code bench serve} run: a supervised fine-tuning job trained by the worker role of
 * the same {@code ./patchwork up} process that serves, as a user would run it. It uploads a JSONL file of
 * {@value #EXAMPLES} short conversations ({@code POST /v1/files}), creates a job with batch size 1 and enough epochs
 * for {@code --sft-steps} steps ({@code max_steps} cuts the last epoch), follows its events until it ends, and sends
 * one request to the adapter it published. Reported: the job's phases (queued, loading the model for training,
 * training), step time, target tokens per second (the tokens the loss is on, OpenAI's {@code trained_tokens}), the
 * server's resident memory before the job, at its highest while it ran and its peak (VmHWM) at the end: the trainer's
 * share of the process; and how much resident memory each step added between the first step and the last.
 */
final class SftAtSize {
    /** OpenAI's minimum file size, so every epoch is {@value} steps at batch size 1. */
    static final int EXAMPLES = 10;

    /** The mode's options, mixed into {@link SizedServeBench}. */
    static final class Options {
        @Option(names = "--sft-steps", defaultValue = "50", description = "sft mode: optimizer steps of the job")
        int steps;

        @Option(
                names = "--sft-words",
                defaultValue = "20",
                description = "sft mode: words of each answer (20: about 64 tokens per example with the chat "
                        + "template on the generated tokenizer)")
        int words;

        @Option(names = "--sft-rank", defaultValue = "8", description = "sft mode: the job's LoRA rank")
        int rank;

        @Option(names = "--sft-timeout", defaultValue = "3600", description = "sft mode: seconds to wait for the job")
        int timeout;
    }

    private static final List<String> WORDS = List.of(
            "the", "model", "reads", "a", "short", "answer", "and", "learns", "to", "write", "it", "again", "with",
            "care", "one", "token", "after", "another", "until", "end");

    private SftAtSize() {}

    /** The JSONL training file: question i, answered by {@code words} words of a fixed pattern. */
    static String trainingFile(int words) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < EXAMPLES; i++) {
            StringBuilder answer = new StringBuilder();
            for (int w = 0; w < words; w++) {
                if (w > 0) answer.append(' ');
                answer.append(WORDS.get((i + 3 * w) % WORDS.size()));
            }
            ObjectNode line = JsonMapper.shared().createObjectNode();
            ArrayNode messages = line.putArray("messages");
            messages.addObject().put("role", "user").put("content", "Repeat pattern " + i + ".");
            messages.addObject().put("role", "assistant").put("content", answer.toString());
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** Runs the job on the server and reports it. */
    static ObjectNode run(ServerProcess process, String key, String baseModel, Options o) throws Exception {
        if (o.steps < 1) throw new IllegalArgumentException("--sft-steps must be at least 1");
        ApiClient api = new ApiClient(process.port(), key);
        ServerProcess.Memory before = process.memory();
        String file = upload(api, trainingFile(o.words));
        int epochs = (o.steps + EXAMPLES - 1) / EXAMPLES;
        String body = String.format(
                Locale.ROOT,
                "{\"model\":\"%s\",\"training_file\":\"%s\",\"suffix\":\"bench-sft\",\"method\":{\"type\":\"supervised\","
                        + "\"supervised\":{\"hyperparameters\":{\"n_epochs\":%d,\"batch_size\":1}}},"
                        + "\"patchwork\":{\"lora\":{\"r\":%d,\"alpha\":%d},\"max_steps\":%d}}",
                baseModel,
                file,
                epochs,
                o.rank,
                2 * o.rank,
                o.steps);
        long t0 = System.nanoTime();
        JsonNode job = api.post("/v1/fine_tuning/jobs", body);
        String id = job.path("id").asString();
        System.err.println("bench serve: sft job " + id + ", " + o.steps + " steps");
        double running = -1;
        double training = -1;
        double firstStep = -1;
        double lastStep = -1;
        int firstStepNumber = 0;
        int lastStepNumber = 0;
        long firstStepRss = 0;
        long lastStepRss = 0;
        long maxRss = before.rss();
        List<Double> trainerRates = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long deadline = t0 + Duration.ofSeconds(o.timeout).toNanos();
        String status;
        while (true) {
            job = api.get("/v1/fine_tuning/jobs/" + id);
            status = job.path("status").asString();
            double now = (System.nanoTime() - t0) / 1e9;
            maxRss = Math.max(maxRss, process.memory().rss());
            if (running < 0 && !status.equals("validating_files") && !status.equals("queued")) running = now;
            List<JsonNode> fresh = new ArrayList<>();
            for (JsonNode e :
                    api.get("/v1/fine_tuning/jobs/" + id + "/events?limit=100").path("data")) {
                if (seen.add(e.path("id").asString())) fresh.add(e);
            }
            for (JsonNode e : fresh.reversed()) { // oldest first
                String message = e.path("message").asString();
                System.err.println("bench serve: sft " + String.format(Locale.ROOT, "%.0f s ", now) + message);
                if (training < 0 && message.startsWith("Training ")) training = now;
                JsonNode data = e.path("data");
                if (data.has("train_loss") && data.has("step")) {
                    int step = data.path("step").asInt();
                    long rss = process.memory().rss();
                    if (firstStep < 0) {
                        firstStep = now;
                        firstStepNumber = step;
                        firstStepRss = rss;
                    }
                    lastStep = now;
                    lastStepNumber = step;
                    lastStepRss = rss;
                    if (data.has("tokens_per_second"))
                        trainerRates.add(data.path("tokens_per_second").asDouble());
                }
            }
            if (Set.of("succeeded", "failed", "cancelled").contains(status)) break;
            if (System.nanoTime() > deadline) {
                api.post("/v1/fine_tuning/jobs/" + id + "/cancel");
                throw new IllegalStateException("sft job " + id + " still " + status + " after " + o.timeout + " s");
            }
            Thread.sleep(1000);
        }
        double done = (System.nanoTime() - t0) / 1e9;
        ServerProcess.Memory after = process.memory();
        ObjectNode out = JsonMapper.shared().createObjectNode();
        out.put("mode", "sft");
        out.put("job", id);
        out.put("status", status);
        if (!status.equals("succeeded")) out.set("error", job.path("error"));
        out.put("steps", o.steps);
        out.put("examples", EXAMPLES);
        out.put("n_epochs", epochs);
        out.put("batch_size", 1);
        out.put("lora_rank", o.rank);
        long trained = job.path("trained_tokens").asLong(0);
        out.put("trained_tokens", trained);
        out.put("trained_tokens_per_step", trained / o.steps);
        out.put("wall_seconds", Stats.round(done));
        if (running >= 0) out.put("queued_seconds", Stats.round(running));
        if (training >= 0) { // the trainer's "Training N steps" event: the base model is loaded
            out.put("model_load_seconds", Stats.round(training - running));
            out.put("training_seconds", Stats.round(done - training));
            out.put("trained_tokens_per_s", Stats.round(trained / (done - training)));
        }
        if (lastStepNumber > firstStepNumber && lastStep > firstStep) {
            out.put("step_seconds", Stats.ratio((lastStep - firstStep) / (lastStepNumber - firstStepNumber)));
            // resident memory added per step between the first step's event and the last's: what the job keeps
            out.put(
                    "rss_growth_per_step_mb",
                    Stats.round((lastStepRss - firstStepRss) / 1048576.0 / (lastStepNumber - firstStepNumber)));
        } else if (training >= 0) { // every step's event came in one poll: the steps shared the training time
            out.put("step_seconds", Stats.ratio((done - training) / o.steps));
        }
        if (!trainerRates.isEmpty()) out.put("trainer_tokens_per_s_median", Stats.round(Stats.median(trainerRates)));
        out.put("rss_before_job_mb", before.rss() >> 20);
        out.put("peak_rss_before_job_mb", before.peak() >> 20);
        out.put("max_sampled_rss_during_job_mb", maxRss >> 20);
        out.put("rss_after_job_mb", after.rss() >> 20);
        out.put("peak_rss_after_job_mb", after.peak() >> 20);
        String model = job.path("fine_tuned_model").asString("");
        out.put("fine_tuned_model", model);
        if (status.equals("succeeded")) {
            LoadClient client = new LoadClient(process.port(), key);
            String prompt = JsonMapper.shared().writeValueAsString("Repeat pattern 3.");
            LoadClient.Outcome r =
                    client.run(1, 1, i -> model, i -> prompt, 8).outcomes().getFirst();
            out.putObject("adapter_request")
                    .put("status", r.status())
                    .put("completion_tokens", r.completionTokens())
                    .put("latency_ms", Stats.round(r.total() / 1e6))
                    .put("error", r.error());
        }
        System.err.println("bench serve: " + out);
        return out;
    }

    private static String upload(ApiClient api, String jsonl) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("purpose", "fine-tune");
        parts.add("file", new ByteArrayResource(jsonl.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return "bench-sft.jsonl";
            }
        });
        return api.create("/v1/files", parts);
    }
}

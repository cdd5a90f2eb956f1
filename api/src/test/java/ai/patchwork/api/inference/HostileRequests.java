package ai.patchwork.api.inference;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The attack suite's hostile requests (at least 60 of them): archive and decompression bombs, oversized and malformed
 * bodies, ReDoS patterns, pathological grader inputs, huge ranks, NaN weights, absurd sampling parameters, header
 * overflows and unicode edge cases, sent to a server on a local port (in this JVM, or another process started with
 * the test keys and tiny-llama as {@value #MODEL}). None may get a 5xx or take 10 s.
 */
public final class HostileRequests {
    public static final String MODEL = PatchworkTestServices.BASE_MODEL;
    static final String CHAT = "/v1/chat/completions";
    static final String GRADE = "/v1/fine_tuning/alpha/graders/run";
    static final String JSON = "application/json";

    /** One hostile request and the status it must get (-1: any status but a 5xx). */
    public record Attack(String name, Supplier<ApiClient.Response> send, int expected) {}

    /**
     * What sending the attacks found.
     *
     * @param requests how many were sent
     * @param failures by attack: a 5xx, a request over 10 s, or an unexpected status
     * @param slowestMillis the longest any took
     */
    public record Outcome(int requests, Map<String, String> failures, long slowestMillis) {}

    private final int port;

    public HostileRequests(int port) {
        this.port = port;
    }

    static String chat(String extra) {
        return "{\"model\": \"" + MODEL
                + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2" + extra + "}";
    }

    static String chatWith(String content) {
        return "{\"model\": \"" + MODEL + "\", \"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \""
                + content + "\"}]}";
    }

    static String random(int n, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append((char) ('a' + r.nextInt(26)));
        return sb.toString();
    }

    static String grader(String grader, String sample, String item) {
        return "{\"grader\": " + grader + ", \"model_sample\": \"" + sample + "\", \"item\": " + item + "}";
    }

    static String job(String patchwork) {
        return "{\"model\": \"" + MODEL + "\", \"training_file\": \"file-doesnotexist\", \"method\": {\"type\": "
                + "\"supervised\"}, \"patchwork\": " + patchwork + "}";
    }

    /** Safetensors bytes whose header declares {@code headerLength} bytes. */
    static byte[] safetensorsClaiming(long headerLength, String json) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(j);
        return b.array();
    }

    static byte[] withNaN(byte[] weights) {
        byte[] copy = weights.clone();
        long n = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (8 + n), Float.floatToRawIntBits(Float.NaN));
        return copy;
    }

    /** Every attack, its payloads built here, before any clock runs: only the server's time counts. */
    public List<Attack> attacks() {
        ApiClient api = new ApiClient(port);
        PeftAdapter good = PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), 7);
        byte[] config = good.config().getBytes(StandardCharsets.UTF_8);
        Supplier<MultipartBody> adapterForm =
                () -> MultipartBody.create().field("name", "attack").field("base_model", MODEL);
        // the bombs are built before the clock runs: only the server's time counts
        byte[] zipBomb = ArchiveBytes.create()
                .file("adapter_config.json", config)
                .file("pad.bin", new byte[200 << 20])
                .zip();
        byte[] tarBomb = ArchiveBytes.create()
                .file("pad.bin", new byte[200 << 20])
                .file("adapter_config.json", config)
                .tarGz();
        byte[] folders = manyFolders(config);
        List<Attack> attacks = new ArrayList<>();
        // bodies
        attacks.add(new Attack("9 MB JSON body", () -> api.post(CHAT, JSON, chatWith("x".repeat(9 << 20))), 413));
        attacks.add(new Attack("9 MB chunked body", () -> chunked(CHAT, chatWith("y".repeat(9 << 20))), 413));
        attacks.add(new Attack("truncated JSON", () -> api.post(CHAT, JSON, "{\"model\": "), 400));
        attacks.add(new Attack("JSON array body", () -> api.post(CHAT, JSON, "[]"), 400));
        attacks.add(new Attack("100k nested arrays", () -> api.post(CHAT, JSON, "[".repeat(100_000)), 400));
        attacks.add(new Attack(
                "number with a huge exponent", () -> api.post(CHAT, JSON, chat(", \"temperature\": 1e999999")), 400));
        attacks.add(new Attack("empty body", () -> api.post(CHAT, JSON, ""), 400));
        attacks.add(new Attack("text/plain body", () -> api.post(CHAT, "text/plain", chat("")), 415));
        attacks.add(new Attack(
                "invalid UTF-8",
                () -> api.post(
                        CHAT,
                        JSON,
                        new String(new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}, StandardCharsets.ISO_8859_1)),
                400));
        attacks.add(new Attack(
                "1 MB model name",
                () -> api.post(
                        CHAT,
                        JSON,
                        "{\"model\": \"" + "m".repeat(1 << 20)
                                + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"),
                -1));
        // sampling
        attacks.add(new Attack("negative temperature", () -> api.post(CHAT, JSON, chat(", \"temperature\": -1")), 400));
        attacks.add(new Attack("temperature 1e308", () -> api.post(CHAT, JSON, chat(", \"temperature\": 1e308")), -1));
        attacks.add(new Attack("top_p 2", () -> api.post(CHAT, JSON, chat(", \"top_p\": 2")), 400));
        attacks.add(new Attack("negative max_tokens", () -> api.post(CHAT, JSON, chat(", \"max_tokens\": -5")), 400));
        attacks.add(new Attack(
                "max_tokens 2^31-1",
                () -> api.post(
                        CHAT,
                        JSON,
                        "{\"model\": \"" + MODEL + "\", "
                                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2147483647}"),
                -1));
        attacks.add(new Attack("n 1000", () -> api.post(CHAT, JSON, chat(", \"n\": 1000")), 400));
        attacks.add(new Attack("seed as text", () -> api.post(CHAT, JSON, chat(", \"seed\": \"abc\"")), 400));
        attacks.add(new Attack(
                "100 stop strings",
                () -> api.post(CHAT, JSON, chat(", \"stop\": [" + "\"s\",".repeat(99) + "\"s\"]")),
                400));
        attacks.add(new Attack("empty stop string", () -> api.post(CHAT, JSON, chat(", \"stop\": \"\"")), 400));
        attacks.add(new Attack(
                "3000 messages",
                () -> api.post(
                        CHAT,
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"messages\": ["
                                + "{\"role\": \"user\", \"content\": \"a\"},".repeat(2999)
                                + "{\"role\": \"user\", \"content\": \"a\"}]}"),
                400));
        attacks.add(new Attack(
                "unknown role",
                () -> api.post(
                        CHAT,
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"messages\": "
                                + "[{\"role\": \"hacker\", \"content\": \"hi\"}]}"),
                400));
        attacks.add(new Attack("lone surrogate", () -> api.post(CHAT, JSON, chatWith("\\ud800 x \\udfff")), -1));
        attacks.add(new Attack("NUL characters", () -> api.post(CHAT, JSON, chatWith("a\\u0000b\\u0000")), -1));
        attacks.add(new Attack(
                "zero-width and RTL marks",
                () -> api.post(CHAT, JSON, chatWith("\\u200b\\u200d\\u202e".repeat(500))),
                -1));
        attacks.add(new Attack(
                "4-byte emoji run", () -> api.post(CHAT, JSON, chatWith("\uD83D\uDE00".repeat(300))), -1));
        attacks.add(new Attack(
                "token id past the vocabulary",
                () -> api.post(
                        "/v1/completions",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"prompt\": [999999999], \"max_tokens\": 2}"),
                400));
        attacks.add(new Attack(
                "negative token id",
                () -> api.post(
                        "/v1/completions", JSON, "{\"model\": \"" + MODEL + "\", \"prompt\": [-1], \"max_tokens\": 2}"),
                400));
        attacks.add(new Attack(
                "two prompts",
                () -> api.post(
                        "/v1/completions",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"prompt\": [\"a\", \"b\"], \"max_tokens\": 2}"),
                400));
        attacks.add(new Attack(
                "prompt past the context",
                () -> api.post(
                        "/v1/completions",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"prompt\": \"" + "word ".repeat(40_000)
                                + "\", \"max_tokens\": 2}"),
                400));
        attacks.add(new Attack(
                "stream with absurd top_p",
                () -> api.post(CHAT, JSON, chat(", \"stream\": true, " + "\"top_p\": -3")),
                400));
        // graders
        String fuzzy = "{\"type\": \"text_similarity\", \"name\": \"f\", \"input\": \"{{sample.output_text}}\", "
                + "\"reference\": \"{{item.ref}}\", \"evaluation_metric\": \"fuzzy_match\"}";
        attacks.add(new Attack(
                "pathological fuzzy_match",
                () -> api.post(
                        GRADE, JSON, grader(fuzzy, random(45_000, 2), "{\"ref\": \"" + random(12_000, 1) + "\"}")),
                200));
        attacks.add(new Attack(
                "model_sample over the cap",
                () -> api.post(GRADE, JSON, grader(fuzzy, "z".repeat(60_000), "{\"ref\": \"x\"}")),
                400));
        attacks.add(new Attack(
                "ReDoS regex_match",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": \"regex_match\", " + "\"name\": \"r\", \"pattern\": \"^(a+)+$\"}",
                                "a".repeat(40) + "b",
                                "{}")),
                200));
        attacks.add(new Attack(
                "invalid grader regex",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader("{\"type\": \"regex_match\", " + "\"name\": \"r\", \"pattern\": \"(a\"}", "a", "{}")),
                400));
        attacks.add(new Attack(
                "10k template braces",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": \"string_check\", "
                                        + "\"name\": \"s\", \"operation\": \"eq\", \"input\": \"" + "{{".repeat(10_000)
                                        + "\", \"reference\": \"x\"}",
                                "a",
                                "{}")),
                400));
        attacks.add(new Attack(
                "multi grader dividing by zero",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": \"multi\", " + "\"name\": \"m\", \"graders\": {\"a\": " + fuzzy
                                        + "}, \"calculate_output\": \"a / 0\"}",
                                "x",
                                "{\"ref\": \"x\"}")),
                -1));
        attacks.add(new Attack(
                "python grader",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": \"python\", " + "\"name\": \"p\", " + "\"source\": \"import os\"}",
                                "a",
                                "{}")),
                400));
        attacks.add(new Attack(
                "1 MB string_check reference",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": "
                                        + "\"string_check\", \"name\": \"s\", \"operation\": \"ilike\", \"input\": \"{{sample.output_text}}\", "
                                        + "\"reference\": \"" + "%_".repeat(1 << 19) + "\"}",
                                "a".repeat(40_000),
                                "{}")),
                400));
        attacks.add(new Attack(
                "unknown metric",
                () -> api.post(
                        GRADE,
                        JSON,
                        grader(
                                "{\"type\": \"text_similarity\", "
                                        + "\"name\": \"t\", \"input\": \"a\", \"reference\": \"b\", \"evaluation_metric\": \"nope\"}",
                                "a",
                                "{}")),
                400));
        attacks.add(new Attack("grader not an object", () -> api.post(GRADE, JSON, grader("42", "a", "{}")), 400));
        // fine-tuning
        attacks.add(new Attack(
                "rank serving cannot load",
                () -> api.post("/v1/fine_tuning/jobs", JSON, job("{\"lora\": {\"r\": 64}}")),
                400));
        attacks.add(new Attack(
                "rank 100000", () -> api.post("/v1/fine_tuning/jobs", JSON, job("{\"lora\": {\"r\": 100000}}")), 400));
        attacks.add(new Attack(
                "negative epochs",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \"" + MODEL
                                + "\", \"training_file\": \"file-x\", \"method\": {\"type\": \"supervised\", \"supervised\": "
                                + "{\"hyperparameters\": {\"n_epochs\": -1}}}}"),
                400));
        attacks.add(new Attack(
                "learning rate as NaN text",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \""
                                + MODEL
                                + "\", \"training_file\": \"file-x\", \"method\": {\"type\": \"supervised\", \"supervised\": "
                                + "{\"hyperparameters\": {\"learning_rate_multiplier\": \"NaN\"}}}}"),
                400));
        attacks.add(new Attack(
                "10k-character suffix",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"training_file\": \"file-x\", \"suffix\": \""
                                + "s".repeat(10_000) + "\"}"),
                400));
        attacks.add(new Attack(
                "metadata of 10k keys",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"training_file\": \"file-x\", \"metadata\": {" + keys(10_000)
                                + "}}"),
                400));
        attacks.add(new Attack(
                "missing training file",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \"" + MODEL + "\", \"training_file\": \"file-nothere\"}"),
                -1));
        attacks.add(new Attack(
                "unknown method",
                () -> api.post(
                        "/v1/fine_tuning/jobs",
                        JSON,
                        "{\"model\": \"" + MODEL
                                + "\", \"training_file\": \"file-x\", \"method\": {\"type\": \"evil\"}}"),
                400));
        // files
        attacks.add(new Attack(
                "binary as JSONL",
                () -> api.post(
                        "/v1/files",
                        MultipartBody.create()
                                .field("purpose", "fine-tune")
                                .file("file", "bin.jsonl", new byte[] {0, 1, 2, (byte) 0xff, '\n'})),
                400));
        attacks.add(new Attack(
                "2 MB single JSONL line",
                () -> api.post(
                        "/v1/files",
                        MultipartBody.create()
                                .field("purpose", "fine-tune")
                                .file(
                                        "file",
                                        "long.jsonl",
                                        ("{\"messages\": [{\"role\": \"user\", "
                                                        + "\"content\": \""
                                                        + "q".repeat(2 << 20) + "\"}]}\n")
                                                .getBytes(StandardCharsets.UTF_8))),
                -1));
        attacks.add(new Attack(
                "unknown purpose",
                () -> api.post(
                        "/v1/files",
                        MultipartBody.create()
                                .field("purpose", "bogus")
                                .file("file", "a.jsonl", "{}\n".getBytes(StandardCharsets.UTF_8))),
                400));
        attacks.add(new Attack(
                "no file part",
                () -> api.post("/v1/files", MultipartBody.create().field("purpose", "fine-tune")),
                400));
        attacks.add(new Attack(
                "10k-character filename",
                () -> api.post(
                        "/v1/files",
                        MultipartBody.create()
                                .field("purpose", "fine-tune")
                                .file("file", "f".repeat(10_000) + ".jsonl", "{}\n".getBytes(StandardCharsets.UTF_8))),
                -1));
        // adapters
        attacks.add(new Attack(
                "zip bomb",
                () -> api.post("/v1/adapters", adapterForm.get().file("archive", "bomb.zip", zipBomb)),
                413));
        attacks.add(new Attack(
                "tar.gz bomb",
                () -> api.post("/v1/adapters", adapterForm.get().file("archive", "bomb.tgz", tarBomb)),
                413));
        attacks.add(new Attack(
                "many adapter folders",
                () -> api.post("/v1/adapters", adapterForm.get().file("archive", "many.zip", folders)),
                400));
        attacks.add(new Attack(
                "zip-slip",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file(
                                        "archive",
                                        "slip.zip",
                                        ArchiveBytes.create()
                                                .file("../../adapter_config.json", config)
                                                .zip())),
                400));
        attacks.add(new Attack(
                "archive that is not one",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm.get().file("archive", "x.zip", "not an archive".getBytes(StandardCharsets.UTF_8))),
                400));
        attacks.add(new Attack(
                "NaN weights",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file("adapter_config", "adapter_config.json", config)
                                .file("adapter_model", "adapter_model.safetensors", withNaN(good.weights()))),
                400));
        attacks.add(new Attack(
                "rank 32 adapter",
                () -> {
                    PeftAdapter big = PeftAdapter.tinyLlama(32, List.of("q_proj"), 3);
                    return api.post(
                            "/v1/adapters",
                            adapterForm
                                    .get()
                                    .file(
                                            "adapter_config",
                                            "adapter_config.json",
                                            big.config().getBytes(StandardCharsets.UTF_8))
                                    .file("adapter_model", "adapter_model.safetensors", big.weights()));
                },
                400));
        attacks.add(new Attack(
                "ReDoS target_modules",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config()
                                                .replaceAll(
                                                        "\"target_modules\": \\[[^]]*]",
                                                        "\"target_modules\": \"((.*)*)*Z\"")
                                                .getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights())),
                400));
        attacks.add(new Attack(
                "invalid target_modules regex",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config()
                                                .replaceAll(
                                                        "\"target_modules\": \\[[^]]*]",
                                                        "\"target_modules\": \"(q_proj\"")
                                                .getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights())),
                400));
        attacks.add(new Attack(
                "header length 2^62",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file("adapter_config", "adapter_config.json", config)
                                .file(
                                        "adapter_model",
                                        "adapter_model.safetensors",
                                        safetensorsClaiming(1L << 62, "{}"))),
                400));
        attacks.add(new Attack(
                "header of garbage",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file("adapter_config", "adapter_config.json", config)
                                .file(
                                        "adapter_model",
                                        "adapter_model.safetensors",
                                        safetensorsClaiming(8, "{{{{[[[["))),
                400));
        attacks.add(new Attack(
                "config not JSON",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file("adapter_config", "adapter_config.json", "{nope".getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights())),
                400));
        attacks.add(new Attack(
                "lora_alpha 1e300",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        PeftAdapter.config(4, 1e300, List.of("q_proj", "v_proj"))
                                                .getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights())),
                400));
        attacks.add(new Attack(
                "pickle weights",
                () -> api.post(
                        "/v1/adapters",
                        adapterForm
                                .get()
                                .file("adapter_config", "adapter_config.json", config)
                                .file("adapter_model", "adapter_model.bin", new byte[] {(byte) 0x80, 2, 'c', 'o', 's'
                                })),
                400));
        // headers and URLs
        attacks.add(new Attack(
                "100 KB header",
                () -> raw(HttpRequest.newBuilder(uri("/v1/models"))
                        .header("X-Big", "h".repeat(100_000))
                        .GET()),
                -1));
        attacks.add(new Attack("encoded path traversal", () -> api.get("/v1/files/..%2f..%2fetc%2fpasswd"), -1));
        attacks.add(new Attack("10k-character model id", () -> api.get("/v1/models/" + "m".repeat(10_000)), -1));
        attacks.add(new Attack("negative page limit", () -> api.get("/v1/fine_tuning/jobs?limit=-1"), 400));
        attacks.add(new Attack("page limit 1e12", () -> api.get("/v1/fine_tuning/jobs?limit=1000000000000"), 400));
        attacks.add(new Attack("emoji model id", () -> api.get("/v1/models/%F0%9F%98%80"), 404));
        attacks.add(new Attack("limit as text", () -> api.get("/v1/files?limit=abc"), 400));
        return attacks;
    }

    /** Sends the attacks one after the other, calling {@code afterEach} after each (to sample memory and disk). */
    public Outcome run(List<Attack> attacks, Runnable afterEach) {
        Map<String, String> failures = new LinkedHashMap<>();
        long slowest = 0;
        for (Attack a : attacks) {
            long start = System.nanoTime();
            ApiClient.Response r = a.send().get();
            long ms = (System.nanoTime() - start) / 1_000_000;
            slowest = Math.max(slowest, ms);
            afterEach.run();
            System.out.printf("attack %-32s -> %d in %d ms%n", a.name(), r.status(), ms);
            if (r.status() >= 500) failures.put(a.name(), r.status() + " " + r.text());
            else if (ms > 10_000) failures.put(a.name(), "took " + ms + " ms");
            else if (a.expected() > 0 && r.status() != a.expected()) {
                failures.put(
                        a.name(),
                        "expected " + a.expected() + ", got " + r.status() + " "
                                + r.text().substring(0, Math.min(300, r.text().length())));
            }
        }
        return new Outcome(attacks.size(), failures, slowest);
    }

    /** A normal chat completion, which must still be answered (200) after the attacks. */
    public ApiClient.Response normalRequest() {
        return new ApiClient(port).post(CHAT, JSON, chat(""));
    }

    private static String keys(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++)
            sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\": \"v\"");
        return sb.toString();
    }

    private static byte[] manyFolders(byte[] config) {
        ArchiveBytes many = ArchiveBytes.create();
        for (int i = 0; i < 60; i++) {
            many.file("a" + i + "/adapter_config.json", config)
                    .file("a" + i + "/adapter_model.safetensors", new byte[1 << 20]);
        }
        return many.zip();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private ApiClient.Response chunked(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return raw(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    }

    private static ApiClient.Response raw(HttpRequest.Builder request) {
        try {
            // an authenticated caller: the attack must reach the limits, not stop at the key check
            request.header("Authorization", "Bearer " + PatchworkTestServices.PROJECT_KEY);
            HttpResponse<byte[]> r = HttpClient.newHttpClient()
                    .send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new ApiClient.Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            // a connection the server closed on an oversized request: not a 5xx, and not a hang
            return new ApiClient.Response(499, e.toString().getBytes(StandardCharsets.UTF_8), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package ai.patchwork.api.inference;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A plain-HTTP OpenAI client for the tests: JSON requests, and streams read line by line. It sends its
 * {@link ApiClient}'s key (the default project's test key unless made with another client).
 */
final class OpenAi {
    static final JsonMapper JSON = JsonMapper.shared();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ApiClient api;
    private final String base;

    OpenAi(int port) {
        this(port, new ApiClient(port));
    }

    private OpenAi(int port, ApiClient api) {
        this.api = api;
        this.base = "http://127.0.0.1:" + port;
    }

    /** The same server with another key, or none (null). */
    OpenAi withKey(int port, String key) {
        return new OpenAi(port, key == null ? api.withoutKey() : api.withKey(key));
    }

    ApiClient api() {
        return api;
    }

    static ObjectNode body(String model) {
        return JSON.createObjectNode().put("model", model);
    }

    ApiClient.Response post(String path, JsonNode body) {
        return api.post(path, "application/json", body.toString());
    }

    /** A streamed response: its status, headers and raw lines (blank separators included). */
    record Stream(int status, HttpResponse<InputStream> raw, List<String> lines) {
        /** The JSON of every {@code data:} line but {@code [DONE]}. */
        List<JsonNode> chunks() {
            return lines.stream()
                    .filter(l -> l.startsWith("data: ") && !l.equals("data: [DONE]"))
                    .map(l -> JSON.readTree(l.substring(6)))
                    .toList();
        }
    }

    /** Sends a streaming request with this client's key and reads it to the end. */
    Stream stream(String path, JsonNode body) {
        return stream(path, body, api.authorization());
    }

    /**
     * Sends a streaming request with this Authorization header (this client's key when null) and reads it to the end.
     */
    Stream stream(String path, JsonNode body, String authorization) {
        HttpResponse<InputStream> r = open(path, body, authorization);
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null; ) lines.add(l);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Stream(r.statusCode(), r, lines);
    }

    /** Opens a streaming request with this client's key; the caller reads (and closes) the body. */
    HttpResponse<InputStream> open(String path, JsonNode body) {
        return open(path, body, api.authorization());
    }

    /** Opens a streaming request with this Authorization header (this client's key when null); the caller reads it. */
    HttpResponse<InputStream> open(String path, JsonNode body, String authorization) {
        if (authorization == null) authorization = api.authorization();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (authorization != null) b.header("Authorization", authorization);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Registers a fixture adapter folder under {@code name}; returns its id. */
    String upload(String name, Path folder) {
        return upload(name, PeftAdapter.fromFolder(folder));
    }

    /** Registers an adapter under {@code name}; returns its id. */
    String upload(String name, PeftAdapter p) {
        ApiClient.Response r = api.post(
                "/v1/adapters",
                MultipartBody.create()
                        .field("name", name)
                        .field("base_model", PatchworkTestServices.BASE_MODEL)
                        .file(
                                "adapter_config",
                                PeftAdapter.CONFIG_FILE,
                                p.config().getBytes(StandardCharsets.UTF_8))
                        .file("adapter_model", PeftAdapter.WEIGHTS_FILE, p.weights()));
        if (r.status() != 201) throw new IllegalStateException("upload failed: " + r.status() + " " + r.text());
        return r.json().path("id").asString();
    }
}

package ai.patchwork.api;

import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client for the application under test. It sends the default project's test key
 * ({@link PatchworkTestServices#PROJECT_KEY}) unless made with {@link #withKey} or {@link #withoutKey}.
 */
public final class ApiClient {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String key;

    public ApiClient(int port) {
        this("http://127.0.0.1:" + port, PatchworkTestServices.PROJECT_KEY);
    }

    private ApiClient(String base, String key) {
        this.base = base;
        this.key = key;
    }

    /** The same server with another key (sent as {@code Authorization: Bearer <key>}). */
    public ApiClient withKey(String key) {
        return new ApiClient(base, key);
    }

    /** The same server without an Authorization header. */
    public ApiClient withoutKey() {
        return new ApiClient(base, null);
    }

    /** The key this client sends, or null. */
    public String key() {
        return key;
    }

    /** The {@code Authorization} header value this client sends, or null. */
    public String authorization() {
        return key == null ? null : "Bearer " + key;
    }

    /** A response: status, raw body and its JSON (null when it is not JSON). */
    public record Response(int status, byte[] body, HttpResponse<byte[]> raw) {
        public JsonNode json() {
            return JsonMapper.shared().readTree(new String(body, StandardCharsets.UTF_8));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** {@code error.message} of an error envelope. */
        public String errorMessage() {
            return json().path("error").path("message").asString();
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** A POST with a JSON body. */
    public Response postJson(String path, String json) {
        return post(path, "application/json", json);
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    public Response post(String path, MultipartBody body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", body.contentType())
                .POST(body.publisher()));
    }

    public Response post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Response send(HttpRequest.Builder request) {
        try {
            if (key != null) request.header("Authorization", "Bearer " + key);
            HttpResponse<byte[]> r =
                    HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

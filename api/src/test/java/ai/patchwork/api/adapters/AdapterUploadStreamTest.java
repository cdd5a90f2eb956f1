package ai.patchwork.api.adapters;

import static ai.patchwork.api.adapters.Uploads.adapter;
import static ai.patchwork.api.adapters.Uploads.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/adapters} reads its body as it arrives: the fields may come in any order or in the query string, and
 * a body that is cut off, has too many parts, or passes the multipart bounds with no declared length is refused in
 * OpenAI's error envelope and leaves no row and no object behind.
 */
@ApiTest
class AdapterUploadStreamTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void fieldsAfterTheFilesOrInTheQueryStringRegisterTheAdapter() throws Exception {
        PeftAdapter a = adapter(71);
        String name = uniqueName("late-fields");
        MultipartBody body = MultipartBody.create()
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, a.weights())
                .file("adapter_config", PeftAdapter.CONFIG_FILE, a.config().getBytes(StandardCharsets.UTF_8))
                .field("base_model", PatchworkTestServices.BASE_MODEL)
                .field("name", name);
        HttpResponse<byte[]> r = send("", body.contentType(), HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        assertEquals(201, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(name, json(r).path("name").asString());

        String other = uniqueName("query-fields");
        MultipartBody files = MultipartBody.create()
                .file("adapter_config", PeftAdapter.CONFIG_FILE, a.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, a.weights());
        r = send(
                "?name=" + other + "&base_model=" + PatchworkTestServices.BASE_MODEL,
                files.contentType(),
                HttpRequest.BodyPublishers.ofByteArray(files.bytes()));
        assertEquals(201, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(other, json(r).path("name").asString());
        assertEquals(
                json(r).path("sha256").asString(),
                new ApiClient(port)
                        .get("/v1/adapters/" + name)
                        .json()
                        .path("sha256")
                        .asString(),
                "the same weights, stored once");
    }

    @Test
    void aBodyCutOffInsideTheWeightsWritesNothing() throws Exception {
        MultipartBody body = Uploads.files(uniqueName("cut"), adapter(72));
        byte[] whole = body.bytes();
        byte[] cut = Arrays.copyOf(whole, whole.length - 5000); // inside the weights, which come last
        RegistrySnapshot before = RegistrySnapshot.of(jdbc);
        HttpResponse<byte[]> r = send("", body.contentType(), HttpRequest.BodyPublishers.ofByteArray(cut));
        assertError(r, 400, "invalid_multipart");
        assertEquals(before, RegistrySnapshot.of(jdbc), "no new rows and no new objects");
    }

    /** With no Content-Length the filter cannot refuse the body up front; the parse counts it (3MB per file). */
    @Test
    void aStreamedPartOverTheFileBoundIsRefusedWithoutALength() throws Exception {
        PeftAdapter a = adapter(73);
        MultipartBody body = MultipartBody.create()
                .field("name", uniqueName("big-part"))
                .field("base_model", PatchworkTestServices.BASE_MODEL)
                .file("adapter_config", PeftAdapter.CONFIG_FILE, a.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, new byte[(3 << 20) + 1]);
        RegistrySnapshot before = RegistrySnapshot.of(jdbc);
        HttpResponse<byte[]> r = send("", body.contentType(), chunked(body.bytes()));
        assertError(r, 413, "file_too_large");
        assertEquals(
                "the upload exceeds the maximum size (3MB per file, 8MB per request)",
                json(r).path("error").path("message").asString());
        assertEquals(before, RegistrySnapshot.of(jdbc), "no new rows and no new objects");
    }

    /** ... and the whole body (8MB), parts the upload does not use included. */
    @Test
    void aStreamedBodyOverTheRequestBoundIsRefusedWithoutALength() throws Exception {
        MultipartBody body = Uploads.files(uniqueName("big-body"), adapter(74));
        for (int i = 0; i < 3; i++) body.file("padding" + i, "padding.bin", new byte[(3 << 20) - 100]);
        RegistrySnapshot before = RegistrySnapshot.of(jdbc);
        HttpResponse<byte[]> r = send("", body.contentType(), chunked(body.bytes()));
        assertError(r, 413, "file_too_large");
        assertEquals(before, RegistrySnapshot.of(jdbc), "no new rows and no new objects");
    }

    @Test
    void tooManyPartsAreRefused() throws Exception {
        MultipartBody body = Uploads.files(uniqueName("parts"), adapter(75));
        for (int i = 0; i <= UploadParts.MAX_PARTS; i++) body.field("extra" + i, "x");
        RegistrySnapshot before = RegistrySnapshot.of(jdbc);
        HttpResponse<byte[]> r = send("", body.contentType(), HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        assertError(r, 400, "invalid_multipart");
        assertEquals(before, RegistrySnapshot.of(jdbc), "no new rows and no new objects");
    }

    private HttpResponse<byte[]> send(String query, String contentType, HttpRequest.BodyPublisher body)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/adapters" + query))
                        .header("Content-Type", contentType)
                        .header("Authorization", new ApiClient(port).authorization())
                        .POST(body)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A body sent with no Content-Length (chunked). */
    private static HttpRequest.BodyPublisher chunked(byte[] bytes) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
    }

    private static JsonNode json(HttpResponse<byte[]> r) {
        return JsonMapper.shared().readTree(r.body());
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String code) {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(status, r.statusCode(), text);
        JsonNode error = json(r).path("error");
        assertEquals("invalid_request_error", error.path("type").asString(), text);
        assertEquals(code, error.path("code").asString(), text);
    }
}

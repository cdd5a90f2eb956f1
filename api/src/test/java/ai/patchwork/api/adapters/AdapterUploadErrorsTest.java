package ai.patchwork.api.adapters;

import static ai.patchwork.api.adapters.Uploads.adapter;
import static ai.patchwork.api.adapters.Uploads.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiClient.Response;
import ai.patchwork.api.ApiTest;
import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.SafetensorsBytes;
import ai.patchwork.testsupport.http.MultipartBody;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Bad uploads over HTTP: each is answered with a 4xx in OpenAI's error envelope with a precise message and the
 * offending field, and leaves no new row and no new object behind.
 */
@ApiTest
class AdapterUploadErrorsTest {
    private static final String Q_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    private static final String PICKLE_MESSAGE = "is a PyTorch pickle, which can run arbitrary code when loaded and is "
            + "not accepted: convert the adapter to safetensors (save_pretrained(dir, safe_serialization=True)) and upload "
            + "adapter_model.safetensors";
    private static final byte[] PICKLE = {(byte) 0x80, 0x04, (byte) 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, '}', (byte) 0x94};

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    record Case(String what, Supplier<MultipartBody> body, int status, String param, String message) {
        @Override
        public String toString() {
            return what;
        }
    }

    static Stream<Arguments> badUploads() {
        PeftAdapter good = adapter(300);
        byte[] tooBig = SafetensorsBytes.builder(1).tensor(Q_A, "F32", 4200, 64).build();
        return Stream.of(
                bad(
                        "corrupt header",
                        () -> weights(good, SafetensorsBytes.file("{not json at all", new byte[16])),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: header is not valid JSON"),
                bad(
                        "header length past the end of the file",
                        () -> weights(good, SafetensorsBytes.file(1_000_000, new byte[100])),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: header length 1000000 runs past the end of the file (108 bytes)"),
                bad(
                        "unknown dtype",
                        () -> weights(
                                good,
                                SafetensorsBytes.builder(1)
                                        .tensor(Q_A, "F8_E9M9", 4, 64)
                                        .build()),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensor '" + Q_A + "' has unknown dtype 'F8_E9M9'"),
                bad(
                        "overlapping tensors",
                        () -> weights(
                                good,
                                SafetensorsBytes.file(
                                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                                        new byte[24])),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensors 'a' and 'b' overlap"),
                bad(
                        "wrong shapes",
                        () -> weights(
                                good,
                                PeftAdapter.weights(4, List.of("q_proj", "v_proj"), 2, 1)
                                        .tensor(
                                                "base_model.model.model.layers.1.self_attn.o_proj.lora_A.weight",
                                                "F32",
                                                4,
                                                64)
                                        .build()),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensor 'base_model.model.model.layers.1.self_attn.o_proj"
                                + ".lora_A.weight' is for o_proj, which target_modules does not list"),
                bad(
                        "adapter for another base model",
                        () -> weights(
                                good,
                                SafetensorsBytes.builder(1)
                                        .tensor(Q_A, "F32", 4, 128)
                                        .build()),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensor '" + Q_A + "' has shape [4, 128] but the base "
                                + "model needs [4, 64] (r=4); is the adapter for another base model?"),
                bad(
                        "layer the base model does not have",
                        () -> weights(
                                good,
                                SafetensorsBytes.builder(1)
                                        .tensor(
                                                "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight",
                                                "F32",
                                                4,
                                                64)
                                        .build()),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensor 'base_model.model.model.layers.7.self_attn.q_proj"
                                + ".lora_A.weight' is for layer 7 but the base model has 2 layers"),
                bad(
                        "not a LoRA tensor",
                        () -> weights(
                                good,
                                SafetensorsBytes.builder(1)
                                        .tensor("model.embed_tokens.weight", "F32", 8, 64)
                                        .build()),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors: tensor 'model.embed_tokens.weight' is not a LoRA weight "
                                + "(only lora_A / lora_B of the attention and MLP projections are supported)"),
                bad(
                        "empty weights file",
                        () -> weights(good, new byte[0]),
                        400,
                        "adapter_model",
                        "adapter_model.safetensors is empty"),
                bad(
                        "weights over the size limit",
                        () -> weights(good, tooBig),
                        413,
                        "adapter_model",
                        "adapter_model.safetensors is " + tooBig.length + " bytes, over the limit of 1048576 bytes"),
                bad(
                        "upload over the multipart limit",
                        () -> weights(good, new byte[(3 << 20) + 1]),
                        413,
                        null,
                        "the upload exceeds the maximum size (3MB per file, 8MB per request)"),
                bad(
                        "pickle .bin file",
                        () -> MultipartBody.create()
                                .field("name", uniqueName("pickle"))
                                .field("base_model", "tiny-llama")
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config().getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.bin", PICKLE),
                        400,
                        "adapter_model",
                        "'adapter_model.bin' " + PICKLE_MESSAGE),
                bad(
                        "pickle .bin in an archive",
                        () -> Uploads.archive(
                                uniqueName("pickle"),
                                ArchiveBytes.create()
                                        .file(
                                                "adapter_config.json",
                                                good.config().getBytes(StandardCharsets.UTF_8))
                                        .file("adapter_model.bin", PICKLE)
                                        .tarGz(),
                                "adapter.tar.gz"),
                        400,
                        "adapter_model",
                        "'adapter_model.bin' " + PICKLE_MESSAGE),
                bad(
                        "zip-slip entry",
                        () -> Uploads.archive(
                                uniqueName("slip"),
                                ArchiveBytes.create()
                                        .file(
                                                "adapter_config.json",
                                                good.config().getBytes(StandardCharsets.UTF_8))
                                        .file("../../adapter_model.safetensors", good.weights())
                                        .zip(),
                                "evil.zip"),
                        400,
                        "archive",
                        "archive entry '../../adapter_model.safetensors' escapes the archive ('..' in its path, a zip-slip)"),
                bad(
                        "link in a tar",
                        () -> Uploads.archive(
                                uniqueName("link"),
                                ArchiveBytes.create()
                                        .file(
                                                "adapter_config.json",
                                                good.config().getBytes(StandardCharsets.UTF_8))
                                        .symlink("adapter_model.safetensors", "/etc/passwd")
                                        .tarGz(),
                                "evil.tar.gz"),
                        400,
                        "archive",
                        "archive entry 'adapter_model.safetensors' is a link; links are not allowed"),
                bad(
                        "missing adapter_model",
                        () -> MultipartBody.create()
                                .field("name", uniqueName("half"))
                                .field("base_model", "tiny-llama")
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config().getBytes(StandardCharsets.UTF_8)),
                        400,
                        "adapter_model",
                        "adapter_model is required with adapter_config"),
                bad(
                        "no files at all",
                        () -> MultipartBody.create()
                                .field("name", uniqueName("none"))
                                .field("base_model", "tiny-llama"),
                        400,
                        "adapter_model",
                        "no adapter files: send adapter_config and adapter_model, or archive"),
                bad(
                        "archive and files together",
                        () -> Uploads.files(uniqueName("both"), good).file("archive", "a.zip", good.zip("")),
                        400,
                        "archive",
                        "send either archive or adapter_config with adapter_model, not both"),
                bad(
                        "config is not JSON",
                        () -> Uploads.files(uniqueName("cfg"), good.withConfig("r: 8\nlora_alpha: 16")),
                        400,
                        "adapter_config",
                        "adapter_config.json is not valid JSON"),
                bad(
                        "DoRA adapter",
                        () -> Uploads.files(
                                uniqueName("dora"),
                                good.withConfig(good.config().replace("\"use_dora\": false", "\"use_dora\": true"))),
                        400,
                        "adapter_config",
                        "adapter_config.json: DoRA (use_dora) is not supported"),
                bad(
                        "bias other than none",
                        () -> Uploads.files(
                                uniqueName("bias"),
                                good.withConfig(good.config().replace("\"bias\": \"none\"", "\"bias\": \"all\""))),
                        400,
                        "adapter_config",
                        "adapter_config.json: bias 'all' is not supported (bias: none)"),
                bad(
                        "bad name",
                        () -> Uploads.files("bad name!", good),
                        400,
                        "name",
                        "name 'bad name!' is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
                bad(
                        "name reserved for ids",
                        () -> Uploads.files("adp-mine", good),
                        400,
                        "name",
                        "name 'adp-mine' is not valid: names starting with 'adp-' are reserved for adapter ids"),
                bad(
                        "name of a base model",
                        () -> Uploads.files("tiny-llama", good),
                        400,
                        "name",
                        "name 'tiny-llama' is the id of a base model; choose another name"),
                bad(
                        "missing name",
                        () -> MultipartBody.create()
                                .field("base_model", "tiny-llama")
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config().getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights()),
                        400,
                        "name",
                        "name is required"),
                bad(
                        "unknown base model",
                        () -> MultipartBody.create()
                                .field("name", uniqueName("unknown"))
                                .field("base_model", "gpt-9")
                                .file(
                                        "adapter_config",
                                        "adapter_config.json",
                                        good.config().getBytes(StandardCharsets.UTF_8))
                                .file("adapter_model", "adapter_model.safetensors", good.weights()),
                        400,
                        "base_model",
                        "base_model 'gpt-9' is not a configured base model (available: tiny-llama)"));
    }

    private static Arguments bad(String what, Supplier<MultipartBody> body, int status, String param, String message) {
        return Arguments.of(new Case(what, body, status, param, message));
    }

    private static MultipartBody weights(PeftAdapter good, byte[] weights) {
        return Uploads.files(uniqueName("bad"), good.withWeights(weights));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUploads")
    void isRefusedWithAPreciseErrorAndWritesNothing(Case c) {
        // given
        MultipartBody body = c.body().get();
        RegistrySnapshot before = RegistrySnapshot.of(jdbc);
        // when
        Response r = new ApiClient(port).post("/v1/adapters", body);
        // then
        assertEquals(c.status(), r.status(), r.text());
        JsonNode error = r.json().path("error");
        assertEquals(c.message(), error.path("message").asString());
        assertEquals("invalid_request_error", error.path("type").asString());
        assertEquals(
                c.param(),
                error.path("param").isNull() ? null : error.path("param").asString());
        assertEquals(before, RegistrySnapshot.of(jdbc), "no new rows and no new objects");
    }
}

package ai.patchwork.api.adapters;

import static ai.patchwork.api.adapters.Uploads.adapter;
import static ai.patchwork.api.adapters.Uploads.uniqueName;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiClient.Response;
import ai.patchwork.api.ApiTest;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.services.TestS3;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@ApiTest
class AdaptersApiTest {
    @LocalServerPort
    int port;

    @Autowired
    AdapterRegistry registry;

    @Autowired
    AdaptersConfiguration.ArtifactCollector collector;

    private ApiClient api() {
        return new ApiClient(port);
    }

    @Test
    void fixtureAdaptersRoundTripThroughUploadAndDownload() throws IOException {
        for (String fixture : TinyLlama.ADAPTERS) {
            // given
            PeftAdapter original = PeftAdapter.fromFolder(TinyLlama.adapter(fixture));
            String name = uniqueName(fixture);
            // when
            Response created = api().post("/v1/adapters", Uploads.files(name, original));
            // then
            assertEquals(201, created.status(), created.text());
            JsonNode a = created.json();
            assertTrue(a.path("id").asString().matches("adp-[0-9a-z]{24}"), a.toString());
            assertEquals("adapter", a.path("object").asString());
            assertEquals(name, a.path("name").asString());
            assertEquals(1, a.path("version").asInt());
            assertEquals(PatchworkTestServices.BASE_MODEL, a.path("base_model").asString());
            assertEquals("ready", a.path("status").asString());
            assertEquals(original.weights().length, a.path("size_bytes").asLong());
            assertEquals("upload", a.path("source").path("type").asString());
            assertTrue(a.path("created_at").asLong() > 1_700_000_000L);
            assertTrue(a.path("sha256").asString().matches("[0-9a-f]{64}"));
            // and: the download is a PEFT zip with identical weights and an equivalent config
            Response zip = api().get("/v1/adapters/" + a.path("id").asString() + "/download");
            assertEquals(200, zip.status());
            assertEquals(
                    "application/zip",
                    zip.raw().headers().firstValue("Content-Type").orElseThrow());
            Map<String, byte[]> entries = unzip(zip.body());
            assertEquals(
                    List.of("adapter_config.json", "adapter_model.safetensors"),
                    entries.keySet().stream().sorted().toList());
            assertArrayEquals(original.weights(), entries.get("adapter_model.safetensors"));
            assertEquals(
                    JsonMapper.shared().readTree(original.config()),
                    JsonMapper.shared().readTree(new String(entries.get("adapter_config.json"))));
        }
    }

    @Test
    void theAdapterObjectDescribesTheLoraConfig() {
        JsonNode a = api().post(
                        "/v1/adapters",
                        Uploads.files(uniqueName("all"), PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"))))
                .json();
        assertEquals(8, a.path("rank").asInt());
        assertEquals(16.0, a.path("lora_alpha").asDouble());
        assertFalse(a.path("use_rslora").asBoolean());
        assertEquals(
                "[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\",\"down_proj\"]",
                a.path("target_modules").toString());
    }

    @Test
    void archivesWithOrWithoutAFolderAreAccepted() {
        PeftAdapter p = adapter(70);
        Response zip =
                api().post("/v1/adapters", Uploads.archive(uniqueName("zip"), p.zip("my-adapter"), "my-adapter.zip"));
        Response tar = api().post("/v1/adapters", Uploads.archive(uniqueName("tar"), p.tarGz(""), "a.tar.gz"));
        assertEquals(201, zip.status(), zip.text());
        assertEquals(201, tar.status(), tar.text());
        assertEquals(
                zip.json().path("sha256").asString(), tar.json().path("sha256").asString());
    }

    @Test
    void versionsResolveByIdNameAndNameAtVersion() {
        String name = uniqueName("resolve");
        String v1 = api().post("/v1/adapters", Uploads.files(name, adapter(71)))
                .json()
                .path("id")
                .asString();
        JsonNode v2 =
                api().post("/v1/adapters", Uploads.files(name, adapter(72))).json();
        assertEquals(2, v2.path("version").asInt());
        assertEquals(
                v2.path("id").asString(),
                api().get("/v1/adapters/" + name).json().path("id").asString());
        assertEquals(
                v1, api().get("/v1/adapters/" + name + "@1").json().path("id").asString());
        assertEquals(1, api().get("/v1/adapters/" + v1).json().path("version").asInt());
        Response missing = api().get("/v1/adapters/" + name + "@9");
        assertEquals(404, missing.status());
        assertEquals("no adapter '" + name + "@9'", missing.errorMessage());
    }

    @Test
    void listsArePagedNewestFirstAndFiltered() {
        String name = uniqueName("paged");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            ids.add(api().post("/v1/adapters", Uploads.files(name, adapter(80 + i)))
                    .json()
                    .path("id")
                    .asString());
        JsonNode first = api().get("/v1/adapters?limit=2&name=" + name).json();
        assertEquals("list", first.path("object").asString());
        assertEquals(List.of(ids.get(2), ids.get(1)), idsOf(first));
        assertTrue(first.path("has_more").asBoolean());
        assertEquals(ids.get(2), first.path("first_id").asString());
        assertEquals(ids.get(1), first.path("last_id").asString());
        JsonNode second = api().get("/v1/adapters?limit=2&name=" + name + "&after=" + ids.get(1))
                .json();
        assertEquals(List.of(ids.get(0)), idsOf(second));
        assertFalse(second.path("has_more").asBoolean());
        assertEquals(
                3,
                idsOf(api().get("/v1/adapters?base_model=tiny-llama&name=" + name)
                                .json())
                        .size());
        assertEquals(
                0,
                idsOf(api().get("/v1/adapters?base_model=other&name=" + name).json())
                        .size());
    }

    @Test
    void deleteIsSoftHidesTheVersionAndItsWeightsAreCollectedLater() {
        // given: an adapter with weights of its own
        String name = uniqueName("deleted");
        JsonNode a =
                api().post("/v1/adapters", Uploads.files(name, adapter(90))).json();
        String id = a.path("id").asString();
        String key = "sha256/" + a.path("sha256").asString();
        // when
        Response deleted = api().delete("/v1/adapters/" + id);
        // then
        assertEquals(200, deleted.status());
        assertEquals("{\"id\":\"" + id + "\",\"object\":\"adapter\",\"deleted\":true}", deleted.text());
        assertEquals(
                "deleted", api().get("/v1/adapters/" + id).json().path("status").asString());
        assertTrue(idsOf(api().get("/v1/adapters?name=" + name).json()).isEmpty());
        assertEquals(404, api().get("/v1/adapters/" + name).status());
        Response download = api().get("/v1/adapters/" + id + "/download");
        assertEquals(404, download.status());
        assertEquals("adapter '" + id + "' (" + name + "@1) was deleted", download.errorMessage());
        assertFalse(api().get("/v1/models").text().contains(name));
        // and: the scheduled collection keeps it for the grace period (1h), one without grace removes it
        collector.collect();
        assertTrue(TestS3.shared().keys(PatchworkTestServices.BUCKET).contains(key));
        registry.collectGarbage(Duration.ZERO);
        assertFalse(TestS3.shared().keys(PatchworkTestServices.BUCKET).contains(key));
    }

    static List<String> idsOf(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(d -> ids.add(d.path("id").asString()));
        return ids;
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) entries.put(e.getName(), in.readAllBytes());
        }
        return entries;
    }
}

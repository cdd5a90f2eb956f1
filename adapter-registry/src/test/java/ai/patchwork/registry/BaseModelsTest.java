package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaseModelsTest {

    @Test
    void readsEachConfiguredFolder() {
        BaseModels models = BaseModels.load(Map.of("tiny", TinyLlama.model()));
        BaseModel tiny = models.require("tiny");
        assertEquals(2, tiny.config().numLayers());
        assertEquals(64, tiny.config().hiddenSize());
        assertTrue(tiny.configJson().contains("LlamaForCausalLM"));
    }

    @Test
    void refusesBadIdsAndFoldersWithAMessageNamingTheModel() {
        IllegalArgumentException id = assertThrows(
                IllegalArgumentException.class, () -> BaseModels.load(Map.of("bad id", TinyLlama.model())));
        assertTrue(id.getMessage().startsWith("base model id 'bad id' is not valid"), id.getMessage());
        IllegalArgumentException folder = assertThrows(
                IllegalArgumentException.class, () -> BaseModels.load(Map.of("nowhere", Path.of("/no/such/folder"))));
        assertEquals(
                "base model 'nowhere' (/no/such/folder): not a Hugging Face model folder (no config.json): "
                        + "/no/such/folder",
                folder.getMessage());
    }

    @Test
    void unknownIdNamesTheConfiguredOnes() {
        RegistryException e = assertThrows(
                RegistryException.class,
                () -> RegistryTestBed.shared().baseModels.require("gpt-9"));
        assertEquals(
                "base_model 'gpt-9' is not a configured base model (available: tiny-llama, wide-llama)",
                e.getMessage());
        assertEquals("base_model", e.refusal().param());
    }

    @Test
    void registerUpsertsConfiguredModelsAndDeactivatesTheRest() {
        RegistryTestBed bed = RegistryTestBed.shared();
        bed.jdbc
                .sql("INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) "
                        + "VALUES ('retired-model', '/old', 'llama', 1, 8, '{}') ON CONFLICT DO NOTHING")
                .update();
        bed.baseModels.register(bed.dataSource);
        assertTrue(active(bed, "tiny-llama"));
        assertTrue(active(bed, "wide-llama"));
        assertFalse(active(bed, "retired-model"));
        assertEquals(
                TinyLlama.model().toAbsolutePath().normalize().toString(),
                bed.jdbc
                        .sql("SELECT path FROM base_models WHERE id = 'tiny-llama'")
                        .query(String.class)
                        .single());
    }

    private static boolean active(RegistryTestBed bed, String id) {
        return bed.jdbc
                .sql("SELECT active FROM base_models WHERE id = ?")
                .param(id)
                .query(Boolean.class)
                .single();
    }
}

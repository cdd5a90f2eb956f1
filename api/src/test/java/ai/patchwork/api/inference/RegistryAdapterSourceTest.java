package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.serving.AdapterLoadException;
import ai.patchwork.serving.LoadBudget;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The registry's adapters are checked from their metadata before their weights are read: the rank against the
 * engine's, the host memory the tensors will take (from the safetensors header) reserved against the cache's budget.
 */
@InferenceTest
class RegistryAdapterSourceTest {

    @LocalServerPort
    int port;

    @Autowired
    AdapterRegistry registry;

    /** A budget that records what is reserved. */
    private static final class Recording implements LoadBudget {
        final int maxRank;
        final List<Long> reserved = new ArrayList<>();

        Recording(int maxRank) {
            this.maxRank = maxRank;
        }

        @Override
        public int maxRank() {
            return maxRank;
        }

        @Override
        public void reserve(long bytes) {
            reserved.add(bytes);
        }
    }

    private String upload(int rank) {
        return new OpenAi(port)
                .upload(
                        "src-" + UUID.randomUUID().toString().substring(0, 8),
                        PeftAdapter.tinyLlama(rank, List.of("q_proj", "v_proj"), 7));
    }

    @Test
    void theHostMemoryOfTheTensorsIsReservedBeforeTheWeightsAreRead() throws Exception {
        String id = upload(4);
        ModelConfig base = ModelConfig.load(TinyLlama.model());
        Recording budget = new Recording(16);
        AdapterWeights w = AdapterWeights.copyOf(
                new RegistryAdapterSource(registry, PatchworkTestServices.BASE_MODEL, x -> {}).load(id, base, budget),
                base);
        assertEquals(List.of(w.bytes()), budget.reserved, "one reservation, the size of the loaded weights");
        assertEquals(4, w.rank());
    }

    @Test
    void aRankOverTheEnginesIsRefusedWithoutReservingOrReading() {
        String id = upload(8);
        ModelConfig base = ModelConfig.load(TinyLlama.model());
        Recording budget = new Recording(4);
        AdapterLoadException e = assertThrows(
                AdapterLoadException.class,
                () -> new RegistryAdapterSource(registry, PatchworkTestServices.BASE_MODEL, x -> {})
                        .load(id, base, budget));
        assertTrue(e.getMessage().contains("LoRA rank 8, more than this engine's maximum rank 4"), e.getMessage());
        assertEquals(List.of(), budget.reserved);
    }
}

package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.patchwork.model.vector.AdapterStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EngineConfigTest {

    @Test
    void intraOpThreadsDefaultToPyTorchsOwnAndRejectNegatives() {
        assertEquals(0, EngineConfig.builder(Path.of("m")).build().intraOpThreads());
        assertEquals(
                1,
                EngineConfig.builder(Path.of("m")).optIntraOpThreads(1).build().intraOpThreads());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder(Path.of("m")).optIntraOpThreads(-1).build());
        assertEquals("intraOpThreads must be >= 0 (0 = PyTorch's default), got -1", e.getMessage());
    }

    @Test
    void adapterSlotsHoldSixteenBitIntegersUnlessAskedForExactValues() {
        assertEquals(
                AdapterStorage.INT16, EngineConfig.builder(Path.of("m")).build().adapterStorage());
        assertEquals(
                AdapterStorage.EXACT,
                EngineConfig.builder(Path.of("m"))
                        .optAdapterStorage(AdapterStorage.EXACT)
                        .build()
                        .adapterStorage());
        assertEquals(
                AdapterStorage.INT16,
                EngineConfig.builder(Path.of("m"))
                        .optAdapterStorage(null)
                        .build()
                        .adapterStorage(),
                "null: the default");
    }
}

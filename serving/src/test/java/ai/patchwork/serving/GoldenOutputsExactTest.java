package ai.patchwork.serving;

import ai.patchwork.model.vector.AdapterStorage;
import org.junit.jupiter.api.BeforeAll;

/** {@link GoldenOutputsTest}'s cases on the CPU runtime with its adapter slots in float32 ({@link AdapterStorage#EXACT}). */
class GoldenOutputsExactTest extends GoldenOutputsTest {

    @BeforeAll
    static void start() {
        start(EngineRuntime.VECTOR, AdapterStorage.EXACT);
    }
}

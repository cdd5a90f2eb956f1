package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.vector.Quantization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** An engine whose base weights are int8 serves requests with adapters on top; the DJL runtime refuses int8. */
class QuantizedEngineTest {

    @Test
    void anInt8EngineServesAdaptersOnTop() {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optRuntime(EngineRuntime.VECTOR)
                .optQuantization(Quantization.INT8)
                .optMaxBatchSize(2)
                .optAdapterSlots(2)
                .optMaxSequenceLength(64)
                .build();
        try (InferenceEngine engine = InferenceEngine.start(
                config, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry())) {
            assertEquals(EngineRuntime.VECTOR, engine.runtime());
            for (String adapter : new String[] {null, "all-r8"}) {
                EngineRequest r = new EngineRequest(new int[] {1, 2, 3, 4}, adapter, SamplingParams.greedy(8), true);
                Completion c = engine.submit(r).completion().join();
                assertEquals(8, c.tokenIds().length, "adapter " + adapter);
                for (int id : c.tokenIds())
                    assertTrue(id >= 0 && id < engine.modelConfig().vocabSize());
            }
        }
    }

    @Test
    void theDjlRuntimeRefusesInt8() {
        assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder(Fixtures.model())
                        .optRuntime(EngineRuntime.DJL)
                        .optQuantization(Quantization.INT8)
                        .build());
    }
}

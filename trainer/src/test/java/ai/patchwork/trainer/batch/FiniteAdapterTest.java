package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Weights holding NaN or an infinity fail the job at export, naming where they are. */
class FiniteAdapterTest {

    private static AdapterWeights adapter(float badA, float badB) {
        float[] a = {0.1f, 0.2f, badA, 0.3f};
        float[] b = {0.5f, badB, 0.25f, 0.125f};
        LoraWeights q = new LoraWeights(0, Projection.Q, 2, 2, 2, new float[] {1, 2, 3, 4}, new float[4], 2f);
        LoraWeights v = new LoraWeights(3, Projection.V, 2, 2, 2, a, b, 2f);
        PeftConfig config = new PeftConfig(2, 4, false, Set.of(Projection.Q, Projection.V), "base");
        return new AdapterWeights("adp", config, List.of(q, v));
    }

    @Test
    void finiteWeightsPass() {
        FiniteAdapter.require(adapter(-7f, Float.MAX_VALUE));
    }

    @Test
    void nanOrInfinityFailsTheJobNamingTheModule() {
        JobFailure nan = assertThrows(JobFailure.class, () -> FiniteAdapter.require(adapter(Float.NaN, 0)));
        assertEquals("non_finite_weights", nan.error().code());
        assertTrue(
                nan.error().message().contains("lora_A of v_proj in layer 3"),
                nan.error().message());
        JobFailure inf =
                assertThrows(JobFailure.class, () -> FiniteAdapter.require(adapter(0, Float.NEGATIVE_INFINITY)));
        assertTrue(
                inf.error().message().contains("lora_B of v_proj in layer 3"),
                inf.error().message());
    }
}

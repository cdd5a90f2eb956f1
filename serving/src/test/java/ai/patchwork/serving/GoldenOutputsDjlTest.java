package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link GoldenOutputsTest}'s cases on the DJL forward (gathered LoRA rows, filler rows, KV views). */
class GoldenOutputsDjlTest extends GoldenOutputsTest {

    @BeforeAll
    static void start() {
        start(EngineRuntime.DJL);
    }

    /** The DJL runtime starts PyTorch with the configured intra-op threads (the CPU runtime never starts it). */
    @Test
    void intraOpThreadsAreSetForTheProcessAtStart() {
        assertEquals(1, JniUtils.getNumThreads());
    }
}

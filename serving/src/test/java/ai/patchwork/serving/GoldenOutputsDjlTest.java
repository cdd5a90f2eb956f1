package ai.patchwork.serving;

import org.junit.jupiter.api.BeforeAll;

/** {@link GoldenOutputsTest}'s cases on the DJL forward (gathered LoRA rows, filler rows, KV views). */
class GoldenOutputsDjlTest extends GoldenOutputsTest {

  @BeforeAll
  static void start() {
    start(EngineRuntime.DJL);
  }
}

package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long prompts are prefilled in chunks, with the same tokens as in one piece, and never stall running decodes. */
class ChunkedPrefillTest {

    @TempDir
    static Path dir;

    static Path model;
    static FolderAdapterSource adapters;
    static Reference reference;

    @BeforeAll
    static void world() {
        model = dir.resolve("model");
        ModelConfig config = TinyWorld.model(model, 256);
        TinyWorld.adapter(config, dir.resolve("adapters"), "r8", 8, 3);
        adapters = new FolderAdapterSource(dir.resolve("adapters"));
        reference = new Reference(model);
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void chunkedPrefillGivesTheSameTokensAsUnchunked() {
        int[] prompt = TinyWorld.prompt(200, 7);
        try (Engines.Traced chunked = Engines.start(
                        model, adapters, b -> b.optPrefillChunk(16).optMaxPrefillTokens(64));
                Engines.Traced whole = Engines.start(
                        model, adapters, b -> b.optPrefillChunk(256).optMaxPrefillTokens(256))) {
            for (String adapter : new String[] {null, "r8"}) {
                GenerationHandle a = chunked.engine.submit(TinyWorld.greedy(prompt, adapter, 24));
                GenerationHandle b = whole.engine.submit(TinyWorld.greedy(prompt, adapter, 24));
                int[] expected = reference.greedy(
                        prompt, adapter == null ? null : reference.adapter(dir.resolve("adapters/r8")), 24);
                assertArrayEquals(expected, a.completion().join().tokenIds(), "chunked, adapter " + adapter);
                assertArrayEquals(expected, b.completion().join().tokenIds(), "unchunked, adapter " + adapter);
                assertEquals(
                        13,
                        chunked.stepsOf(a.id()).stream()
                                .filter(StepTrace::prefill)
                                .count(),
                        "⌈200 / 16⌉ chunks");
                assertEquals(
                        1,
                        whole.stepsOf(b.id()).stream()
                                .filter(StepTrace::prefill)
                                .count());
            }
        }
    }

    @Test
    void aLongPromptDoesNotStallRunningDecodes() throws InterruptedException {
        try (Engines.Traced t =
                Engines.start(model, adapters, b -> b.optPrefillChunk(16).optMaxPrefillTokens(64))) {
            // given: a sequence decoding, the loop held after its first step so it has 100+ tokens to go
            t.holdAfterNextStep();
            GenerationHandle decoding = t.engine.submit(TinyWorld.greedy(TinyWorld.prompt(5, 1), "r8", 120));
            t.awaitHeld(); // its first token is sent after the held step, so check the trace instead
            assertFalse(t.stepsOf(decoding.id()).isEmpty(), "the running sequence ran its first step");
            // when: a 230-token prompt arrives
            GenerationHandle longPrompt = t.engine.submit(TinyWorld.greedy(TinyWorld.prompt(230, 2), null, 4));
            t.resume();
            longPrompt.completion().join();
            decoding.completion().join();
            // then: between two of its prefill chunks the running sequence always got its token
            List<StepTrace> chunks = t.stepsOf(longPrompt.id()).stream()
                    .filter(StepTrace::prefill)
                    .toList();
            List<StepTrace> decodes =
                    t.stepsOf(decoding.id()).stream().filter(s -> !s.prefill()).toList();
            assertEquals(15, chunks.size(), "⌈230 / 16⌉ chunks");
            for (int i = 1; i < chunks.size(); i++) {
                long from = chunks.get(i - 1).step(), to = chunks.get(i).step();
                assertTrue(chunks.get(i).tokens() <= 16, "chunks of at most 16 tokens");
                assertEquals(
                        1,
                        decodes.stream()
                                .filter(d -> d.step() > from && d.step() < to)
                                .count(),
                        "one decode step of the running sequence between chunk steps " + from + " and " + to);
            }
        }
    }
}

package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stop ids, stop strings, and the text stream. */
class StopAndStreamTest {

    static Engines.Traced t;
    static final int[] PROMPT = {72, 101, 108, 108, 111, 32, 119};

    @BeforeAll
    static void start() {
        t = Engines.fixture(b -> b);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    Completion run(SamplingParams p, Recorder r) throws Exception {
        return t.engine
                .submit(new EngineRequest(PROMPT, "all-r8", p, true), r)
                .completion()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void theStreamedTextIsTheDecodedText() throws Exception {
        Recorder r = new Recorder();
        Completion c = run(SamplingParams.greedy(16), r);
        assertEquals(t.engine.tokenizer().decode(c.tokenIds(), true), c.text());
        assertEquals(c.text(), r.text());
        TokenEvent last = r.events.getLast();
        assertEquals(FinishReason.LENGTH, last.finishReason());
        assertEquals(c.usage(), last.usage());
        assertTrue(r.events.subList(0, r.events.size() - 1).stream().noneMatch(TokenEvent::last));
    }

    @Test
    void eosStopsUnlessIgnored() throws Exception {
        // the base model answers prompt [170] with 206, 293, 378, then <|im_end|> (511), one of the fixture's EOS ids
        int[] prompt = {170};
        Completion stopped = t.engine
                .submit(EngineRequest.of(prompt, null, SamplingParams.greedy(16)))
                .completion()
                .join();
        assertArrayEquals(new int[] {206, 293, 378}, stopped.tokenIds());
        assertEquals(FinishReason.STOP, stopped.finishReason());
        assertEquals(4, stopped.usage().completionTokens());
        Completion ignored = t.engine
                .submit(new EngineRequest(prompt, null, SamplingParams.greedy(16), true))
                .completion()
                .join();
        assertEquals(16, ignored.tokenIds().length);
        assertEquals(511, ignored.tokenIds()[3]);
        assertEquals(FinishReason.LENGTH, ignored.finishReason());
    }

    @Test
    void aStopIdEndsTheSequenceWithoutBeingPartOfIt() throws Exception {
        int[] all = run(SamplingParams.greedy(16), new Recorder()).tokenIds();
        int stop = all[5];
        int cut = Arrays.stream(all).boxed().toList().indexOf(stop);
        Recorder r = new Recorder();
        Completion c = run(SamplingParams.greedy(16).withStopIds(Set.of(stop)), r);
        assertArrayEquals(Arrays.copyOf(all, cut), c.tokenIds());
        assertEquals(FinishReason.STOP, c.finishReason());
        assertEquals(cut + 1, c.usage().completionTokens(), "the stop id was generated, so it is counted");
        assertEquals(-1, r.events.getLast().tokenId());
    }

    @Test
    void aStopStringCutsTheTextAndNeverReachesTheStream() throws Exception {
        String full = run(SamplingParams.greedy(16), new Recorder()).text();
        String stop = full.substring(6, 9);
        String expected = full.substring(0, full.indexOf(stop));
        Recorder r = new Recorder();
        Completion c = run(new SamplingParams(0, 1, 0, 0, 16, Set.of(), List.of(stop)), r);
        assertEquals(expected, c.text());
        assertEquals(expected, r.text());
        assertEquals(FinishReason.STOP, c.finishReason());
    }
}

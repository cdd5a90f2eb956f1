package ai.patchwork.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.PatchworkApplication;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/** The bench's HTTP client against the real server: what it counts is what the stream held. */
@SpringBootTest(
        classes = PatchworkApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"patchwork.serving.max-batch-size=8", "logging.level.org.gaul=WARN", "logging.level.io.zonky=WARN"
        })
@Import(PatchworkTestServices.class)
class LoadClientTest {

    @LocalServerPort
    int port;

    @Test
    void everyTokenIsStreamedAsAChunkOfItsOwn() throws Exception {
        // The client asks for return_token_ids: a token whose text the detokenizer holds back (a byte of a character
        // not
        // yet complete) still gets its chunk, so every mode of the bench streams the same number per token.
        int[] prompt = {72, 101, 319, 111, 264, 275, 304};
        LoadClient.Run run =
                new LoadClient(port, PatchworkTestServices.PROJECT_KEY).run(4, 2, i -> "tiny-llama", prompt, 12);
        assertEquals(4, run.ok().size(), () -> run.outcomes().toString());
        assertEquals(48, run.tokens());
        for (LoadClient.Outcome o : run.outcomes()) {
            assertNull(o.error());
            assertEquals(12, o.completionTokens());
            assertEquals(12 + 3, o.chunks(), "a chunk per token, then the finish reason, the usage and [DONE]");
            assertTrue(o.firstChunk() > 0 && o.firstChunk() <= o.total(), o::toString);
        }
    }
}

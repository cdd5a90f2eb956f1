package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.NodeScript;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official {@code openai} npm package (pinned by {@code src/test/node/openai-sdk/package-lock.json}, installed with
 * {@code npm ci} into {@code target/openai-sdk} on first run) calls a named function on the generated Hermes-template
 * model, whole and streamed, validates the arguments against the function's parameters, and continues the
 * conversation with the tool's result. Node 20+ and npm are required: without them this test fails rather than skips.
 */
@InferenceTest
class OpenAiSdkToolsTest {

    @LocalServerPort
    int port;

    @Test
    void theOfficialNodeSdkCallsToolsAndContinuesWithTheirResults() throws Exception {
        NodeScript sdk = NodeScript.install(
                Path.of("src/test/node/openai-sdk"), Path.of("target/openai-sdk"), "tools-check.mjs");
        NodeScript.Result r = sdk.run(
                120,
                Map.of(
                        "OPENAI_BASE_URL",
                        "http://127.0.0.1:" + port + "/v1",
                        "PATCHWORK_MODEL",
                        ToolModelServices.MODEL,
                        "OPENAI_API_KEY",
                        PatchworkTestServices.PROJECT_KEY));
        System.out.println("openai sdk tools: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"ok\":true"), r.output());
    }
}

package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.NodeScript;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import ai.patchwork.trainer.worker.TrainerWorker;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official {@code openai} npm package, pinned by {@code src/test/node/openai-sdk/package-lock.json} and installed
 * with {@code npm ci} into {@code target/openai-sdk} on first run, uploads a file and creates, lists, retrieves and
 * cancels jobs and reads their events against the running server, and follows a DPO job to its fine-tuned model.
 * Node 20+ and npm are required: without them this test fails rather than skips.
 */
@FineTuningApiTest
class OpenAiSdkTest {

    @LocalServerPort
    int port;

    @Autowired
    TrainerWorker worker;

    @Test
    void theOfficialNodeSdkDrivesFilesAndFineTuningJobs() throws Exception {
        // given the SDK installed from the lock file
        NodeScript sdk =
                NodeScript.install(Path.of("src/test/node/openai-sdk"), Path.of("target/openai-sdk"), "sdk-check.mjs");

        // when the SDK script runs against this server (the worker paused, so that its jobs are still open to cancel)
        worker.drain();
        NodeScript.Result r;
        try {
            r = sdk.run(
                    120,
                    Map.of(
                            "OPENAI_BASE_URL",
                            "http://127.0.0.1:" + port + "/v1",
                            "PATCHWORK_MODEL",
                            TaskModelServices.BASE,
                            "OPENAI_API_KEY",
                            PatchworkTestServices.PROJECT_KEY));
        } finally {
            worker.resume();
        }

        // then every call succeeded as the SDK expects
        System.out.println("openai sdk: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"ok\":true"), r.output());
    }

    @Test
    void theOfficialNodeSdkFollowsADpoJobToItsModel() throws Exception {
        // given the SDK installed from the lock file, and the application's worker taking jobs
        NodeScript sdk =
                NodeScript.install(Path.of("src/test/node/openai-sdk"), Path.of("target/openai-sdk"), "sdk-dpo.mjs");

        // when the SDK script uploads preference pairs, creates a DPO job and follows it until it succeeded
        NodeScript.Result r = sdk.run(
                180,
                Map.of(
                        "OPENAI_BASE_URL",
                        "http://127.0.0.1:" + port + "/v1",
                        "PATCHWORK_MODEL",
                        TaskModelServices.BASE,
                        "OPENAI_API_KEY",
                        PatchworkTestServices.PROJECT_KEY));

        // then the job, its metrics events, checkpoints and fine-tuned model were what the SDK expects
        System.out.println("openai sdk dpo: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"ok\":true"), r.output());
    }
}

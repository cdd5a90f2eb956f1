package ai.patchwork.api.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.NodeScript;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The web UI in a real browser against the whole platform in this JVM (api, worker and serving roles on the test
 * PostgreSQL and S3, the generated task model as base model): {@code src/test/node/ui/ui-check.mjs} drives Debian's
 * Chromium through playwright-core (pinned by the committed lock file, {@code npm ci} into {@code target/ui-browser})
 * to upload a malformed dataset and see the refusal in plain words, start an SFT job from the form, watch its progress
 * bar move and its loss chart fill until it succeeds, find the adapter with the search box, open it, chat with it
 * (streamed), compare it with the base model side by side, download it, upload the zip again under another name and
 * delete that copy. Every page's screenshot lands in
 * {@code target/ui-screenshots}. Without Chromium or Node this test fails, saying what to install. The context is
 * closed afterwards: no other class shares it, and its worker would otherwise go on claiming other tests' jobs.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.roles=api,worker,serving",
            "patchwork.fine-tuning.worker.id=worker-ui-test",
            "patchwork.fine-tuning.worker.poll=200ms",
            "logging.level.org.testcontainers=OFF",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN",
            "logging.level.org.springframework.batch.core.step.AbstractStep=OFF"
        })
@Import({PatchworkTestServices.class, TaskModelServices.class})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class UiBrowserTest {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    static final Path SCREENSHOTS = Path.of("target/ui-screenshots");
    static final List<String> PAGES = List.of(
            "01-adapters",
            "02-job-form",
            "02-job-form-rft",
            "03-job-form-error",
            "04-job-running",
            "05-job-succeeded",
            "06-jobs",
            "07-adapters",
            "08-adapter-detail",
            "09-playground-chat",
            "10-playground-compare",
            "11-adapter-upload",
            "12-job-rft",
            "13-job-form-dpo",
            "14-job-dpo");
    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    @LocalServerPort
    int port;

    @Test
    void aPersonFineTunesFindsAndChatsWithAnAdapterInTheBrowser() throws Exception {
        // given Chromium, the script's packages, and datasets: 400 training lines, 30 held out, one broken on line 3
        if (!Files.isExecutable(CHROMIUM)) {
            fail("Chromium is missing at " + CHROMIUM + ": install it with 'apt-get install -y chromium'");
        }
        NodeScript script =
                NodeScript.install(Path.of("src/test/node/ui"), Path.of("target/ui-browser"), "ui-check.mjs");
        Path data = Files.createTempDirectory("ui-test-data-");
        Path training = Files.writeString(data.resolve("reverse-codes.jsonl"), TASK.trainingJsonl(400));
        Path validation = Files.writeString(
                data.resolve("reverse-codes-valid.jsonl"),
                ReverseCodeTask.jsonl(TASK.heldOutCodes().subList(50, 80)));
        String[] lines = TASK.trainingJsonl(2).split("\n");
        Path broken = Files.writeString(
                data.resolve("broken.jsonl"),
                lines[0] + "\n" + lines[1] + "\n{\"messages\": [{\"role\": \"user\", \"content\": \"Reverse\"}\n");
        deleteScreenshots();

        // when a person goes through the UI
        long start = System.nanoTime();
        NodeScript.Result r = script.run(
                240,
                Map.ofEntries(
                        Map.entry("PATCHWORK_URL", "http://127.0.0.1:" + port),
                        Map.entry("PATCHWORK_API_KEY", PatchworkTestServices.PROJECT_KEY),
                        Map.entry("PATCHWORK_BASE_MODEL", TaskModelServices.BASE),
                        Map.entry("DATASET", training.toString()),
                        Map.entry("VALIDATION_DATASET", validation.toString()),
                        Map.entry("BAD_DATASET", broken.toString()),
                        Map.entry(
                                "SCREENSHOTS",
                                Files.createDirectories(SCREENSHOTS)
                                        .toAbsolutePath()
                                        .toString()),
                        Map.entry("CHROMIUM", CHROMIUM.toString()),
                        Map.entry(
                                "PROMPT",
                                ReverseCodeTask.prompt(TASK.heldOutCodes().getFirst())),
                        Map.entry("SYSTEM_PROMPT", ReverseCodeTask.SYSTEM),
                        Map.entry("MAX_STEPS", "75"),
                        Map.entry(
                                "RFT_DATASET",
                                Files.writeString(
                                                data.resolve("reverse-prompts.jsonl"),
                                                ReverseCodeTask.promptJsonl(
                                                        TASK.trainingCodes().subList(0, 64)))
                                        .toString()),
                        Map.entry(
                                "RFT_VALIDATION_DATASET",
                                Files.writeString(
                                                data.resolve("reverse-prompts-valid.jsonl"),
                                                ReverseCodeTask.promptJsonl(
                                                        TASK.heldOutCodes().subList(50, 66)))
                                        .toString()),
                        Map.entry(
                                "DPO_DATASET",
                                Files.writeString(
                                                data.resolve("reverse-pairs.jsonl"),
                                                ReverseCodeTask.preferenceJsonl(
                                                        TASK.trainingCodes().subList(0, 16)))
                                        .toString())));
        System.out.printf(
                "ui browser test (%.0f s): %s%n",
                (System.nanoTime() - start) / 1e9, r.output().strip());

        // then every step worked, and each page has a screenshot that shows something
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"ok\":true"), r.output());
        for (String page : PAGES) {
            Path png = SCREENSHOTS.resolve(page + ".png");
            assertTrue(Files.exists(png), "no screenshot " + png);
            int[] size = pngSize(png);
            assertTrue(size[0] >= 1280 && size[1] >= 600, png + " is " + Arrays.toString(size));
            assertTrue(Files.size(png) > 20_000, png + " has " + Files.size(png) + " bytes");
        }
    }

    private static void deleteScreenshots() throws IOException {
        if (!Files.isDirectory(SCREENSHOTS)) return;
        try (var files = Files.list(SCREENSHOTS)) {
            for (Path p : files.toList()) Files.delete(p);
        }
    }

    /** Width and height from a PNG's IHDR chunk; fails when the file is not a PNG. */
    static int[] pngSize(Path png) throws IOException {
        try (InputStream in = Files.newInputStream(png);
                DataInputStream d = new DataInputStream(in)) {
            byte[] signature = d.readNBytes(8);
            assertEquals(
                    "\u0089PNG\r\n\u001a\n", new String(signature, StandardCharsets.ISO_8859_1), png + " is not a PNG");
            d.readInt();
            assertEquals("IHDR", new String(d.readNBytes(4), StandardCharsets.US_ASCII));
            return new int[] {d.readInt(), d.readInt()};
        }
    }
}

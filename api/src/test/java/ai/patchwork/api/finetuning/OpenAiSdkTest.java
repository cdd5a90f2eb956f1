package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.trainer.worker.TrainerWorker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The official {@code openai} npm package, pinned by {@code src/test/node/openai-sdk/package-lock.json} and installed
 * with {@code npm ci} into {@code target/openai-sdk} on first run, uploads a file and creates, lists, retrieves and
 * cancels jobs and reads their events against the running server. Node 20+ and npm are required: without them this
 * test fails rather than skips.
 */
@FineTuningApiTest
class OpenAiSdkTest {

  static final Path SOURCE = Path.of("src/test/node/openai-sdk");
  static final Path TARGET = Path.of("target/openai-sdk");

  @LocalServerPort int port;
  @Autowired TrainerWorker worker;

  @Test
  void theOfficialNodeSdkDrivesFilesAndFineTuningJobs() throws Exception {
    // given the SDK installed from the lock file
    install();

    // when the SDK script runs against this server (the worker paused, so that its jobs are still open to cancel)
    worker.drain();
    Result r;
    try {
      r = run(List.of("node", "sdk-check.mjs"), 120, "OPENAI_BASE_URL", "http://127.0.0.1:" + port + "/v1",
          "PATCHWORK_MODEL", TaskModelServices.BASE);
    } finally {
      worker.resume();
    }

    // then every call succeeded as the SDK expects
    System.out.println("openai sdk: " + r.output().strip());
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("\"ok\":true"), r.output());
  }

  static synchronized void install() throws Exception {
    Files.createDirectories(TARGET);
    Path lock = TARGET.resolve("package-lock.json");
    boolean fresh = Files.exists(TARGET.resolve("node_modules/openai/package.json")) && Files.exists(lock)
        && Files.mismatch(lock, SOURCE.resolve("package-lock.json")) == -1;
    for (String f : List.of("package.json", "package-lock.json", "sdk-check.mjs")) {
      Files.copy(SOURCE.resolve(f), TARGET.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (fresh) return;
    Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 300);
    if (npm.exit() != 0) fail("npm ci failed (Node 20+ and npm with access to the npm registry are required):\n" + npm.output());
  }

  record Result(int exit, String output) {}

  static Result run(List<String> command, int timeoutSeconds, String... env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(TARGET.toFile()).redirectErrorStream(true);
    for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      fail("cannot run " + command.getFirst() + " (Node 20+ and npm are required for this test): " + e.getMessage());
      return null;
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}

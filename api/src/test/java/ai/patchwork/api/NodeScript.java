package ai.patchwork.api;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Node script with its npm packages: {@code package.json}, the committed {@code package-lock.json} and the script
 * are copied from {@code source} to {@code target}, where {@code npm ci} installs exactly the locked versions (again
 * only when the lock file changed). Node 20+ and npm are required; without them the test fails saying so.
 */
public final class NodeScript {
    private final Path dir;
    private final String script;

    private NodeScript(Path dir, String script) {
        this.dir = dir;
        this.script = script;
    }

    public record Result(int exit, String output) {}

    public static synchronized NodeScript install(Path source, Path target, String script) throws Exception {
        Files.createDirectories(target);
        Path lock = target.resolve("package-lock.json");
        boolean fresh = Files.isDirectory(target.resolve("node_modules"))
                && Files.exists(lock)
                && Files.mismatch(lock, source.resolve("package-lock.json")) == -1;
        for (String f : List.of("package.json", "package-lock.json", script)) {
            Files.copy(source.resolve(f), target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        NodeScript node = new NodeScript(target, script);
        if (!fresh) {
            Result npm = node.exec(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 300, Map.of());
            if (npm.exit() != 0) {
                fail("npm ci failed (Node 20+ and npm with access to the npm registry are required):\n" + npm.output());
            }
        }
        return node;
    }

    public Result run(int timeoutSeconds, Map<String, String> env) throws IOException, InterruptedException {
        return exec(List.of("node", script), timeoutSeconds, env);
    }

    private Result exec(List<String> command, int timeoutSeconds, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("cannot run " + command.getFirst() + " (Node 20+ and npm are required for this test): "
                    + e.getMessage());
            return null;
        }
        // read while it runs, so that a chatty process never blocks on a full pipe
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(output lost: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join(5_000);
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
                    + (out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8)));
        }
        reader.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }
}

package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serving start on the CPU runtime never initialises PyTorch: {@link CpuRuntimeStart} runs in a fresh JVM that logs
 * every class it loads, and neither DJL's engine nor any PyTorch class is among them, nor is libtorch mapped. The same
 * probe on the DJL runtime sees both, so it would catch them.
 */
class CpuRuntimeStartTest {

    @TempDir
    Path tmp;

    @Test
    void theCpuRuntimeServesWithoutLoadingPyTorch() throws Exception {
        Probe p = start(EngineRuntime.VECTOR);
        assertTrue(p.output.contains("runtime=VECTOR tokens=4"), p.output);
        assertTrue(p.output.contains("libtorch=false"), p.output);
        assertTrue(
                p.classes.stream().anyMatch(c -> c.startsWith("ai.patchwork.model.vector.")), "the probe logs classes");
        List<String> torch = p.classes.stream()
                .filter(c -> c.startsWith("ai.djl.pytorch.") || c.equals("ai.djl.engine.Engine"))
                .toList();
        assertEquals(List.of(), torch, "PyTorch classes loaded by a CPU runtime start");
    }

    @Test
    void theProbeSeesPyTorchOnTheDjlRuntime() throws Exception {
        Probe p = start(EngineRuntime.DJL);
        assertTrue(p.output.contains("runtime=DJL tokens=4"), p.output);
        assertTrue(p.output.contains("libtorch=true"), p.output);
        assertTrue(p.classes.contains("ai.djl.engine.Engine"));
        assertTrue(p.classes.contains("ai.djl.pytorch.engine.PtEngine"));
    }

    private record Probe(String output, List<String> classes) {}

    private Probe start(EngineRuntime runtime) throws IOException, InterruptedException {
        Path log = tmp.resolve(runtime + "-classes.log");
        Path out = tmp.resolve(runtime + "-out.txt");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "--enable-native-access=ALL-UNNAMED",
                "--add-modules",
                "jdk.incubator.vector",
                "-Xlog:class+load=info:file=" + log,
                "-cp",
                System.getProperty("java.class.path"),
                CpuRuntimeStart.class.getName(),
                Fixtures.model().toString(),
                runtime.name(),
                Fixtures.adapters().toString(),
                "all-r8"));
        Process process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish in 120 s");
        }
        String output = Files.readString(out);
        assertEquals(0, process.exitValue(), output);
        List<String> classes = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int end = line.indexOf(" source:");
            int start = line.lastIndexOf(' ', end - 1);
            if (end > 0 && start >= 0) classes.add(line.substring(start + 1, end));
        }
        assertFalse(classes.isEmpty(), "no class-load log at " + log);
        return new Probe(output, classes);
    }
}

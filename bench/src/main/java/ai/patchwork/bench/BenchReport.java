package ai.patchwork.bench;

import ai.djl.engine.Engine;
import ai.patchwork.model.Devices;
import ai.patchwork.model.config.ModelConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What every benchmark's JSON report starts with and how it is printed, and the clean-up of its scratch folder. */
public final class BenchReport {

    private BenchReport() {}

    /** A report of {@code benchmark}, with the device, the machine's cores and the DJL engine it runs on. */
    public static ObjectNode start(String benchmark) {
        ObjectNode out = JsonMapper.shared().createObjectNode();
        out.put("benchmark", benchmark);
        out.put("device", Devices.chosen().toString());
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put(
                "engine",
                Engine.getInstance().getEngineName() + " "
                        + Engine.getInstance().getVersion());
        return out;
    }

    /** The system load average of the last minute: how busy the machine was while a figure was taken. */
    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The model's shape: hidden size, layers, heads, KV heads, intermediate size and vocabulary. */
    public static void shape(ObjectNode node, ModelConfig config) {
        node.put("hidden", config.hiddenSize());
        node.put("layers", config.numLayers());
        node.put("heads", config.numHeads());
        node.put("kv_heads", config.numKvHeads());
        node.put("intermediate", config.intermediateSize());
        node.put("vocab", config.vocabSize());
    }

    /** Prints the report, indented. */
    public static void print(ObjectNode out, PrintStream stdout) {
        stdout.println(JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** Deletes {@code dir} and everything in it, if it exists; what cannot be deleted is only reported. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench: could not delete " + dir + ": " + e); // a scratch folder left behind is harmless
        }
    }
}

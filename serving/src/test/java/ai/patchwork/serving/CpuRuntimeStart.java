package ai.patchwork.serving;

import ai.patchwork.model.sample.SamplingParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The start of a serving process, run in a JVM of its own by {@link CpuRuntimeStartTest}: an engine on the fixture
 * with the given runtime serves one request with an adapter, then prints the runtime and whether PyTorch's native
 * library is mapped into the process (from {@code /proc/self/maps}).
 */
final class CpuRuntimeStart {

    private CpuRuntimeStart() {}

    public static void main(String[] args) throws Exception {
        EngineConfig config = EngineConfig.builder(Path.of(args[0]))
                .optRuntime(EngineRuntime.valueOf(args[1]))
                .optMaxBatchSize(2)
                .optMaxSequenceLength(64)
                .optAdapterSlots(2)
                .build();
        try (InferenceEngine engine =
                InferenceEngine.start(config, new FolderAdapterSource(Path.of(args[2])), new SimpleMeterRegistry())) {
            Completion c = engine.submit(EngineRequest.of(new int[] {1, 2, 3}, args[3], SamplingParams.greedy(4)))
                    .completion()
                    .join();
            System.out.println("runtime=" + engine.runtime() + " tokens=" + c.tokenIds().length);
        }
        boolean torch = Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.contains("libtorch"));
        System.out.println("libtorch=" + torch);
    }
}

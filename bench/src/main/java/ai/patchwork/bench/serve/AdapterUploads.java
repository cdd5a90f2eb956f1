package ai.patchwork.bench.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.core.io.FileSystemResource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * Registers the generated adapters through {@code POST /v1/adapters}, as a user would, and times each upload from the
 * first byte sent to the {@code 201} answer (the registry has validated, hashed and stored the adapter by then).
 */
final class AdapterUploads {
    private AdapterUploads() {}

    /**
     * Runs the client's sending code on an {@link UploadSink} with {@code folder}'s adapter, {@code times} times and
     * untimed, so that timed uploads after it are the server's time and not this process's JIT compiling its own
     * multipart writer and HTTP client.
     */
    static void warmClient(String key, String baseModel, Path folder, int times) throws IOException {
        try (UploadSink sink = UploadSink.start()) {
            ApiClient api = new ApiClient(sink.port(), key);
            for (int i = 0; i < times; i++) {
                if (!UploadSink.ID.equals(upload(api, baseModel, folder)))
                    throw new IllegalStateException("the upload sink did not answer as it does");
            }
        }
    }

    /** The ids of the registered adapters in order, and how long each upload took. */
    record Registered(List<String> ids, List<Long> nanos) {}

    /**
     * Uploads every folder as name {@code <folder name>} with the project key {@code key}, {@code parallel} at a time
     * (1 for the time of an upload alone).
     */
    static Registered register(int port, String key, String baseModel, List<Path> folders, int parallel) {
        ApiClient api = new ApiClient(port, key);
        try (ExecutorService pool = Executors.newFixedThreadPool(parallel)) {
            List<CompletableFuture<Timed>> uploads = new ArrayList<>();
            for (Path dir : folders) {
                uploads.add(CompletableFuture.supplyAsync(
                        () -> {
                            long t0 = System.nanoTime();
                            String id = upload(api, baseModel, dir);
                            return new Timed(id, System.nanoTime() - t0);
                        },
                        pool));
            }
            List<Timed> done = uploads.stream().map(CompletableFuture::join).toList();
            return new Registered(
                    done.stream().map(Timed::id).toList(),
                    done.stream().map(Timed::nanos).toList());
        }
    }

    private record Timed(String id, long nanos) {}

    private static String upload(ApiClient api, String baseModel, Path dir) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("name", dir.getFileName().toString());
        parts.add("base_model", baseModel);
        parts.add("adapter_config", new FileSystemResource(dir.resolve("adapter_config.json")));
        parts.add("adapter_model", new FileSystemResource(dir.resolve("adapter_model.safetensors")));
        return api.create("/v1/adapters", parts);
    }
}

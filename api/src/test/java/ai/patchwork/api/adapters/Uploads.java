package ai.patchwork.api.adapters;

import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Multipart bodies for {@code POST /v1/adapters}. */
final class Uploads {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private Uploads() {}

    static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }

    /** A generated tiny-llama adapter (rank 4, q_proj and v_proj) with its own weights. */
    static PeftAdapter adapter(long seed) {
        return PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), seed);
    }

    /** name, base_model and the two PEFT files. */
    static MultipartBody files(String name, PeftAdapter adapter) {
        return MultipartBody.create()
                .field("name", name)
                .field("base_model", PatchworkTestServices.BASE_MODEL)
                .file(
                        "adapter_config",
                        PeftAdapter.CONFIG_FILE,
                        adapter.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, adapter.weights());
    }

    /** name, base_model and one archive. */
    static MultipartBody archive(String name, byte[] archive, String filename) {
        return MultipartBody.create()
                .field("name", name)
                .field("base_model", PatchworkTestServices.BASE_MODEL)
                .file("archive", filename, archive);
    }
}

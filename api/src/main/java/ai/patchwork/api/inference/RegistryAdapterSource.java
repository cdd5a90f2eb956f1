package ai.patchwork.api.inference;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.serving.AdapterLoadException;
import ai.patchwork.serving.AdapterNotFoundException;
import ai.patchwork.serving.AdapterSource;
import ai.patchwork.serving.LoadBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The engine's adapter source in production: an adapter id ({@code adp-…}, one immutable version) is looked up in the
 * registry and checked from its metadata before a byte of weights is read: its rank (the registry's row and its
 * {@code adapter_config.json}) against the engine's, and the host memory its tensors will take (from the safetensors
 * header, read off the front of the object) reserved against the adapter cache's budget. The weights are then streamed
 * from the object store to a temporary file (checked against their sha256 on the way) and converted tensor by tensor
 * from its mapping, so the only copy on the heap is the loaded adapter. Runs on the engine's loader threads, so the
 * database and object store round trips never block decoding.
 *
 * <p>Versions are immutable, so a cached adapter only goes stale when it is deleted; the registry's change events
 * then invalidate it ({@link AdapterEventsBridge}).
 */
final class RegistryAdapterSource implements AdapterSource {
    /** For loads outside an engine's cache: no rank limit, nothing reserved. */
    private static final LoadBudget UNBOUNDED = new LoadBudget() {
        @Override
        public int maxRank() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void reserve(long bytes) {}
    };

    private final AdapterRegistry registry;
    private final String baseModel;
    private final Consumer<String> onLoad;

    /**
     * @param onLoad told every adapter id this source loads, so that a resync can revalidate them
     */
    RegistryAdapterSource(AdapterRegistry registry, String baseModel, Consumer<String> onLoad) {
        this.registry = registry;
        this.baseModel = baseModel;
        this.onLoad = onLoad;
    }

    @Override
    public AdapterWeights load(String adapterId, ModelConfig base) throws IOException, InterruptedException {
        return load(adapterId, base, UNBOUNDED);
    }

    @Override
    public AdapterWeights load(String adapterId, ModelConfig base, LoadBudget budget)
            throws IOException, InterruptedException {
        Adapter adapter;
        try {
            adapter = registry.getReady(adapterId);
        } catch (RegistryException e) {
            if (e.refusal().reason() == RegistryException.Reason.NOT_FOUND)
                throw new AdapterNotFoundException(adapterId, "the registry");
            throw e;
        }
        if (!adapter.baseModel().equals(baseModel)) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' is for base model '" + adapter.baseModel() + "', not '" + baseModel
                            + "'",
                    null);
        }
        PeftConfig peft = PeftConfig.parse(registry.config(adapter));
        int rank = Math.max(adapter.rank(), peft.rank());
        if (rank > budget.maxRank()) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' has LoRA rank " + rank + ", more than this engine's maximum rank "
                            + budget.maxRank() + " (patchwork.serving.max-lora-rank)",
                    null);
        }
        onLoad.accept(adapterId);
        Path file = Files.createTempFile("patchwork-adapter-", ".safetensors");
        try {
            try (InputStream in = registry.openWeights(adapter);
                    OutputStream out = Files.newOutputStream(file)) {
                byte[] head = header(in, adapter);
                budget.reserve(hostBytes(
                        SafetensorsHeader.parse(Arrays.copyOfRange(head, 8, head.length), adapter.sizeBytes())));
                out.write(head);
                in.transferTo(out); // reading to the end verifies the sha256
            }
            try (SafetensorsFile weights = SafetensorsFile.open(file)) {
                return AdapterWeights.fromFile(adapterId, peft, weights, base);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The first 8 bytes and the JSON header of the adapter's safetensors, read off the front of the stream. */
    private static byte[] header(InputStream in, Adapter adapter) throws IOException {
        byte[] first = in.readNBytes(8);
        long n = SafetensorsHeader.headerLength(ByteBuffer.wrap(first), adapter.sizeBytes());
        byte[] head = new byte[8 + (int) n];
        System.arraycopy(first, 0, head, 0, first.length);
        int read = in.readNBytes(head, 8, (int) n);
        if (read < n) throw new IOException("the weights of adapter '" + adapter.id() + "' end inside their header");
        return head;
    }

    /** The host memory the adapter's tensors take as float32, the form the cache holds them in. */
    private static long hostBytes(SafetensorsHeader header) {
        long bytes = 0;
        for (TensorInfo t : header.tensors().values()) bytes += 4 * t.numel();
        return bytes;
    }
}

package ai.patchwork.api.inference;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.registry.ServableAdapter;
import ai.patchwork.serving.AdapterLoadException;
import ai.patchwork.serving.AdapterNotFoundException;
import ai.patchwork.serving.AdapterSource;
import ai.patchwork.serving.LoadBudget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The engine's adapter source in production: an adapter id ({@code adp-…}, one immutable version) is looked up in the
 * registry, with its config and stored object, in one query, and checked from that metadata before a byte of weights
 * is read: its rank (the registry's row and its {@code adapter_config.json}) against the engine's, and the host memory
 * its tensors will take (from the safetensors header, read off the front of the object) reserved against the adapter
 * cache's budget. The weights are then streamed from the object store once, straight into one array (checked against
 * their sha256 on the way), and handed to the cache as a reader of that array, which converts them module by module
 * to the slots' form. Runs on the engine's loader threads, so the database and object store round trips never block
 * decoding.
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
    public LoraModules load(String adapterId, ModelConfig base) throws IOException, InterruptedException {
        return load(adapterId, base, UNBOUNDED);
    }

    @Override
    public LoraModules load(String adapterId, ModelConfig base, LoadBudget budget)
            throws IOException, InterruptedException {
        ServableAdapter servable;
        try {
            servable = registry.getServable(adapterId);
        } catch (RegistryException e) {
            if (e.refusal().reason() == RegistryException.Reason.NOT_FOUND)
                throw new AdapterNotFoundException(adapterId, "the registry");
            throw e;
        }
        Adapter adapter = servable.adapter();
        if (!adapter.baseModel().equals(baseModel)) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' is for base model '" + adapter.baseModel() + "', not '" + baseModel
                            + "'",
                    null);
        }
        PeftConfig peft = PeftConfig.parse(servable.configJson());
        int rank = Math.max(adapter.rank(), peft.rank());
        if (rank > budget.maxRank()) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' has LoRA rank " + rank + ", more than this engine's maximum rank "
                            + budget.maxRank() + " (patchwork.serving.max-lora-rank)",
                    null);
        }
        if (adapter.sizeBytes() > Integer.MAX_VALUE - 8) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' is too large to load (" + adapter.sizeBytes() + " bytes)",
                    null);
        }
        onLoad.accept(adapterId);
        byte[] bytes = new byte[(int) adapter.sizeBytes()];
        try (InputStream in = registry.openWeights(servable)) {
            int head = header(in, adapter, bytes);
            SafetensorsHeader header = SafetensorsHeader.parse(Arrays.copyOfRange(bytes, 8, head), adapter.sizeBytes());
            budget.reserve(hostBytes(header, budget.bytesPerWeight()));
            if (in.readNBytes(bytes, head, bytes.length - head) < bytes.length - head || in.read() >= 0) {
                throw new IOException(
                        "the weights of adapter '" + adapterId + "' are not " + adapter.sizeBytes() + " bytes long");
            } // reading to the end verified the sha256
        }
        SafetensorsFile file =
                SafetensorsFile.read(ByteBuffer.wrap(bytes), "adapter_model.safetensors of " + adapterId);
        return AdapterWeights.read(adapterId, peft, file, base);
    }

    /**
     * Reads the first 8 bytes and the JSON header of the adapter's safetensors off the front of the stream into the
     * front of {@code bytes}; returns how many bytes that is.
     */
    private static int header(InputStream in, Adapter adapter, byte[] bytes) throws IOException {
        int first = in.readNBytes(bytes, 0, Math.min(8, bytes.length));
        long n = SafetensorsHeader.headerLength(ByteBuffer.wrap(bytes, 0, first), adapter.sizeBytes());
        int read = in.readNBytes(bytes, 8, (int) n);
        if (read < n) throw new IOException("the weights of adapter '" + adapter.id() + "' end inside their header");
        return 8 + (int) n;
    }

    /** The host memory the adapter's tensors will take in the form the cache keeps them in. */
    private static long hostBytes(SafetensorsHeader header, int bytesPerWeight) {
        long bytes = 0;
        for (TensorInfo t : header.tensors().values()) bytes += bytesPerWeight * t.numel();
        return bytes;
    }
}

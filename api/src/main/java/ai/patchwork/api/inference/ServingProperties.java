package ai.patchwork.api.inference;

import ai.patchwork.model.vector.AdapterStorage;
import ai.patchwork.model.vector.Matmul;
import ai.patchwork.serving.EngineRuntime;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code patchwork.serving.*} settings: how each base model's inference engine is sized (see the serving
 * module's {@code EngineConfig} for the why of each), and how the HTTP side streams. Every base model gets the same
 * sizing.
 *
 * @param maxBatchSize sequences decoding at once per base model (KV cache slots)
 * @param maxSequenceLength context per sequence, prompt plus completion; 0 for the model's own
 * @param prefillChunk prompt tokens prefilled per step, so long prompts never stall running decodes
 * @param maxQueued requests waiting for a slot before answering 429
 * @param adapterSlots adapters resident on the device at once
 * @param maxLoraRank largest servable LoRA rank
 * @param hostCache host-memory bound of the adapter cache
 * @param preload adapter ids ({@code adp-…}) loaded at start and pinned
 * @param loaderThreads threads downloading adapters from the registry
 * @param streamTimeout longest a streamed response may last
 * @param requestTimeout longest a non-streamed request waits for its completion
 * @param disconnectCheck how often a non-streamed request that is generating checks that its client is still there
 *     (by writing a space before the JSON body), so a client that left frees its sequence within this interval
 * @param intraOpThreads CPU threads per PyTorch op, for the whole process (0: PyTorch's default, one per core); 1
 *     streams faster when the HTTP threads share a few cores with the engine
 * @param stepThreads threads one step of the CPU runtime runs on (0: one per core)
 * @param runtime which forward the engines run: auto (the CPU runtime on a CPU when the JVM has the Vector API, else
 *     DJL), djl or vector
 * @param adapterStorage how the CPU runtime holds adapter weights: int16 (16-bit integers with a scale per rank, each
 *     within 1/65534 of its row's or column's largest: half the bytes of float32 for a step of many adapters to read) or
 *     exact
 * @param prefixCaching whether each engine keeps prompt prefixes as KV blocks and reuses them for later requests with
 *     the same adapter version and the same leading tokens (OpenAI's {@code cached_tokens})
 * @param prefixCache bound of each engine's pool of prefix blocks, allocated at start (at most the KV cache's size)
 * @param packedCacheDir where the CPU runtime caches base weights packed for its kernels, one file per checkpoint
 *     content, so later starts map them instead of packing again; a leading {@code ~/} is the user's home; empty: no
 *     cache
 * @param matmul which kernel the CPU runtime multiplies by BF16 base weights with: auto (oneDNN when it loads and the
 *     CPU has AVX-512 BF16), vector (the JDK Vector API) or native (oneDNN whenever it loads)
 * @param startupRequest whether the process sends itself one streamed completion through its own HTTP port before
 *     health turns UP ({@link StartupRequest}), with the default project's key of
 *     {@code patchwork.auth.project-key-file}: the first client's request then runs on code already compiled
 */
@ConfigurationProperties("patchwork.serving")
public record ServingProperties(
        @DefaultValue("32") int maxBatchSize,
        @DefaultValue("0") int maxSequenceLength,
        @DefaultValue("64") int prefillChunk,
        @DefaultValue("256") int maxQueued,
        @DefaultValue("64") int adapterSlots,
        @DefaultValue("16") int maxLoraRank,
        @DefaultValue("1GB") DataSize hostCache,
        List<String> preload,
        @DefaultValue("4") int loaderThreads,
        @DefaultValue("10m") Duration streamTimeout,
        @DefaultValue("10m") Duration requestTimeout,
        @DefaultValue("500ms") Duration disconnectCheck,
        @DefaultValue("0") int intraOpThreads,
        @DefaultValue("0") int stepThreads,
        @DefaultValue("auto") EngineRuntime runtime,
        @DefaultValue("int16") AdapterStorage adapterStorage,
        @DefaultValue("true") boolean prefixCaching,
        @DefaultValue("256MB") DataSize prefixCache,
        @DefaultValue("~/.cache/patchwork/packed") String packedCacheDir,
        @DefaultValue("auto") Matmul matmul,
        @DefaultValue("false") boolean startupRequest) {

    public ServingProperties {
        preload = preload == null ? List.of() : List.copyOf(preload);
        if (streamTimeout.isNegative() || streamTimeout.isZero())
            throw new IllegalArgumentException("stream-timeout must be positive");
        if (requestTimeout.isNegative() || requestTimeout.isZero())
            throw new IllegalArgumentException("request-timeout must be positive");
        if (disconnectCheck.isNegative() || disconnectCheck.isZero())
            throw new IllegalArgumentException("disconnect-check must be positive");
    }
}

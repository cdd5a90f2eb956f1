package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.tokenizer.Tokenizer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves many LoRA adapters over one base model with iteration-level continuous batching.
 *
 * <p>The base model is loaded once, by the runtime's {@link RunnerFactory}. One engine-loop thread ({@link EngineLoop}) runs every forward pass; each pass
 * mixes sequences with different adapters and with none (stacked LoRA slots, batched matmuls). Memory is fixed at
 * start: a KV cache of {@code maxBatchSize × maxSequenceLength} positions, {@code adapterSlots} LoRA slots for the
 * adapter cache, and {@code maxBatchSize} more aligned with the KV slots ({@link LoraRows}) so decode steps never
 * gather adapter weights.
 * Requests beyond the batch wait in a bounded FIFO queue; beyond that, {@link #submit} fails fast with
 * {@link QueueFullException}. Adapters come through the {@link AdapterCache}: loads run off the loop, so a cold
 * adapter delays only its own requests.
 *
 * <pre>
 *   try (InferenceEngine engine = InferenceEngine.start(config, new FolderAdapterSource(dir), registry)) {
 *     GenerationHandle h = engine.submit(EngineRequest.of(ids, "my-adapter", SamplingParams.greedy(64)),
 *         event -> System.out.print(event.text()));
 *     Completion c = h.completion().join();
 *   }
 * </pre>
 */
public final class InferenceEngine implements AutoCloseable {

    private final EngineConfig config;
    private final BaseModel base;
    private final ExecutorService loader;
    private final ExecutorService dispatch;
    private final AdapterCache adapters;
    private final EngineMetrics metrics;
    private final Counter rejected;
    private final Scheduler scheduler;
    private final EngineLoop loop;
    private final Thread thread; // runs the loop once EngineStartup hands it over
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param base the model, loaded and warmed up on {@code thread}
     * @param thread the thread the loop is to run on ({@link #runLoop}), started
     */
    InferenceEngine(EngineConfig config, AdapterSource source, MeterRegistry registry, BaseModel base, Thread thread) {
        this.config = config;
        this.base = base;
        this.loader = Executors.newFixedThreadPool(
                config.loaderThreads(),
                Thread.ofPlatform()
                        .daemon()
                        .name("patchwork-adapter-loader-", 0)
                        .factory());
        this.dispatch = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("patchwork-events-", 0).factory());
        this.metrics = new EngineMetrics(registry);
        this.rejected = Counter.builder("patchwork.requests.rejected")
                .description("queue full")
                .register(registry);
        this.scheduler = new Scheduler(config, base.context());
        this.adapters = new AdapterCache(
                source,
                base.config(),
                base.runner().slots(),
                config.hostCacheBytes(),
                loader,
                this::signalLoop,
                registry);
        this.loop = new EngineLoop(scheduler, base.runner(), adapters, metrics);
        metrics.gauges(loop::stats);
        this.thread = thread;
    }

    /** Wakes the loop: an adapter load finished. Called from loader threads, after the constructor has returned. */
    private void signalLoop() {
        loop.signal();
    }

    /** The loop, on the engine's thread ({@link EngineStartup} hands it over once the engine is built). */
    void runLoop() {
        loop.run();
    }

    /**
     * Loads the model (once) on the configured runtime and starts the engine loop. Preloaded adapters are loaded and
     * placed before this returns. The CPU runtime reads the checkpoint itself and never starts PyTorch. The same as
     * {@link EngineStartup#begin} then {@link EngineStartup#finish}, which let the caller do other work while the model
     * loads and warms up.
     *
     * @param source where adapters not in memory come from
     * @param registry receives the engine's and the adapter cache's meters
     */
    public static InferenceEngine start(EngineConfig config, AdapterSource source, MeterRegistry registry) {
        return EngineStartup.begin(config).finish(config, source, registry);
    }

    /** Submits a request whose result is only needed at the end ({@link GenerationHandle#completion()}). */
    public GenerationHandle submit(EngineRequest request) {
        return submit(request, GenerationListener.NONE);
    }

    /**
     * Queues a request; {@code listener} receives its token stream.
     *
     * @throws PromptTooLongException when the prompt leaves no room for a token within the context
     * @throws IllegalArgumentException when a prompt id is outside the vocabulary
     * @throws QueueFullException when the queue is full
     * @throws IllegalStateException when the engine is closed
     */
    public GenerationHandle submit(EngineRequest request, GenerationListener listener) {
        return submit(request, List.of(listener)).getFirst();
    }

    /**
     * Queues a request for {@code listeners.size()} choices (OpenAI's {@code n}): choice i samples with seed
     * {@code seed + i}. The prompt is computed once: the choices are admitted together, the first prefills, and the
     * others copy its KV slot. Cancelling any choice's handle cancels them all; the prompt's tokens are metered once.
     *
     * @return one handle per listener, in order
     * @throws IllegalArgumentException when there are no listeners, or more than {@link EngineConfig#maxBatchSize()}
     * @throws PromptTooLongException when the prompt leaves no room for a token within the context
     * @throws QueueFullException when the queue is full
     * @throws IllegalStateException when the engine is closed
     */
    public List<GenerationHandle> submit(EngineRequest request, List<GenerationListener> listeners) {
        int n = listeners.size();
        if (n < 1 || n > scheduler.slots()) {
            throw new IllegalArgumentException(
                    "n must be between 1 and the batch size " + scheduler.slots() + ", got " + n);
        }
        if (closed.get()) throw new IllegalStateException("the inference engine is closed");
        int p = request.promptLength();
        int context = base.context();
        if (p >= context) throw new PromptTooLongException(p, context);
        int vocab = base.config().vocabSize();
        for (int id : request.promptIds()) {
            if (id >= vocab)
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab);
        }
        Set<Integer> stopIds = new HashSet<>(request.sampling().stopIds());
        Tokenizer tokenizer = base.tokenizer();
        if (!request.ignoreEos()) stopIds.addAll(tokenizer.eosIds());
        int maxNew = Math.min(request.sampling().maxTokens(), context - p);
        Sequence.Limits limits = new Sequence.Limits(maxNew, stopIds);
        List<Sequence> group = new ArrayList<>(n);
        List<GenerationHandle> handles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            EngineRequest choice = i == 0
                    ? request
                    : new EngineRequest(
                            request.promptIds(),
                            request.adapterId(),
                            request.sampling().withSeed(request.sampling().seed() + i),
                            request.ignoreEos(),
                            request.logprobs(),
                            request.grammar());
            GenerationHandle handle =
                    new GenerationHandle(ids.incrementAndGet(), listeners.get(i), new SerialExecutor(dispatch));
            Sequence s = new Sequence(handle, choice, limits, tokenizer, metrics);
            s.sibling = i > 0;
            group.add(s);
            handles.add(handle);
        }
        Sequence first = group.getFirst();
        first.siblings = List.copyOf(group.subList(1, n));
        first.meters.requests().increment();
        first.meters.promptTokens().increment(p);
        if (maxNew == 0) {
            for (Sequence s : group) s.finish(FinishReason.LENGTH, -1, "");
            return handles;
        }
        String adapter = request.adapterId();
        // before enqueue: admission may follow at once
        if (adapter != null) for (Sequence s : group) s.adapterLoad = adapters.request(adapter);
        try {
            scheduler.enqueue(first, metrics);
        } catch (QueueFullException e) {
            if (adapter != null) for (int i = 0; i < n; i++) adapters.withdraw(adapter);
            rejected.increment();
            throw e;
        }
        for (GenerationHandle handle : handles) handle.onCancel(() -> cancel(first));
        loop.signal();
        return handles;
    }

    /** Cancels a request, all its choices. */
    private void cancel(Sequence first) {
        if (scheduler.removeWaiting(first)) {
            for (Sequence s : first.group()) {
                if (s.adapterId() != null) adapters.withdraw(s.adapterId());
                s.finish(FinishReason.CANCELLED, -1, "");
            }
        } else {
            for (Sequence s : first.group()) loop.cancel(s);
        }
    }

    /** The adapter tiers: pin, prefetch, invalidate, stats. */
    public AdapterCache adapters() {
        return adapters;
    }

    /** The base model's tokenizer (chat template, EOS ids), for callers that tokenize prompts. */
    public Tokenizer tokenizer() {
        return base.tokenizer();
    }

    public ModelConfig modelConfig() {
        return base.config();
    }

    /** The forward this engine runs: {@link EngineRuntime#DJL} or {@link EngineRuntime#VECTOR}. */
    public EngineRuntime runtime() {
        return base.runtime();
    }

    /** Positions per sequence, prompt plus completion; completions are cut at {@code contextLength - prompt}. */
    public int contextLength() {
        return base.context();
    }

    public EngineConfig config() {
        return config;
    }

    public EngineStats stats() {
        return loop.stats();
    }

    /** Tests: sees every forward pass, on the loop thread. */
    void observe(StepTrace.Observer observer) {
        loop.observe(observer);
    }

    /** Stops the loop, fails what is queued or running with {@link IllegalStateException}, frees native memory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        loop.stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loader.shutdownNow();
        dispatch.shutdown();
        base.close();
    }
}

package ai.patchwork.serving;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.patchwork.model.Devices;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.grammar.Constraint;
import ai.patchwork.model.grammar.TokenTrie;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.vector.VectorKvCache;
import ai.patchwork.model.vector.StepThreads;
import ai.patchwork.model.vector.VectorLoraSlots;
import ai.patchwork.model.vector.VectorTransformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves many LoRA adapters over one base model with iteration-level continuous batching.
 *
 * <p>The base model is loaded once. One engine-loop thread ({@link EngineLoop}) runs every forward pass; each pass
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
  private final NDManager manager;
  private final ModelConfig modelConfig;
  private final EngineRuntime runtime;
  private final Tokenizer tokenizer;
  private final int context;
  private final java.util.List<AutoCloseable> owned = new java.util.ArrayList<>(); // closed in reverse
  private final ExecutorService loader;
  private final ExecutorService dispatch;
  private final AdapterCache adapters;
  private final EngineMetrics metrics;
  private final Counter rejected;
  private final Scheduler scheduler;
  private final EngineLoop loop;
  private final Thread thread;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * The CPU runtime's start-up warm-up (see {@link VectorTransformer#warmUp}): without it the first requests run the
   * SIMD kernels interpreted while the JIT compiles them, and on 2 cores that also slowed adapter loads beside them
   * (cold-load p95 56–79 ms in bench serve; maxima over 200 ms).
   */
  private static final int WARM_UP_STEPS = 200;
  private static final long WARM_UP_BUDGET_NANOS = 2_000_000_000L;

  private InferenceEngine(EngineConfig config, AdapterSource source, MeterRegistry registry, NDManager manager,
      Tokenizer tokenizer) {
    this.config = config;
    this.manager = manager;
    this.tokenizer = tokenizer;
    Transformer model = own(Transformer.load(config.modelDir(), manager));
    ModelConfig mc = this.modelConfig = model.config();
    if (config.maxSequenceLength() > mc.maxPositions()) {
      throw new IllegalArgumentException("maxSequenceLength " + config.maxSequenceLength()
          + " exceeds the model's max_position_embeddings " + mc.maxPositions());
    }
    this.context = config.maxSequenceLength() == 0 ? mc.maxPositions() : config.maxSequenceLength();
    this.runtime = resolve(config.runtime(), model, config.maxBatchSize(), context);
    AdapterSlots slots;
    ModelRunner runner;
    if (runtime == EngineRuntime.VECTOR) {
      VectorTransformer cpu = VectorTransformer.of(model); // a heap copy of the weights: the tensors can go
      owned.remove(model);
      model.close();
      StepThreads threads = own(StepThreads.of(config.stepThreads()));
      cpu.warmUp(WARM_UP_STEPS, WARM_UP_BUDGET_NANOS, threads, config.adapterStorage());
      VectorLoraSlots vectorSlots = own(new VectorLoraSlots(mc, config.adapterSlots(), config.maxLoraRank(),
          config.adapterStorage()));
      slots = vectorSlots;
      runner = own(new VectorRunner(cpu, new VectorKvCache(mc, config.maxBatchSize(), context), vectorSlots, threads));
    } else {
      KvCache cache = own(new KvCache(mc, config.maxBatchSize(), context, manager));
      LoraSlots tensorSlots = own(new LoraSlots(mc, config.adapterSlots(), config.maxLoraRank(), manager));
      LoraRows rows = own(new LoraRows(mc, config.maxBatchSize(), tensorSlots, manager));
      slots = tensorSlots;
      // A batch on one adapter reads its slot once rather than B aligned copies: faster at batch 32 in bench runs.
      runner = own(new DjlRunner(model, cache, tensorSlots, rows, manager, true));
    }
    this.loader = Executors.newFixedThreadPool(config.loaderThreads(),
        Thread.ofPlatform().daemon().name("patchwork-adapter-loader-", 0).factory());
    this.dispatch = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("patchwork-events-", 0).factory());
    this.metrics = new EngineMetrics(registry);
    this.rejected = Counter.builder("patchwork.requests.rejected").description("queue full").register(registry);
    this.scheduler = new Scheduler(config.maxBatchSize(), context, config.maxQueued());
    EngineLoop[] ref = new EngineLoop[1];
    this.adapters = new AdapterCache(source, mc, slots, config.hostCacheBytes(), loader, () -> ref[0].signal(), registry);
    this.loop = ref[0] = new EngineLoop(scheduler, runner, adapters, metrics, config.prefillChunk(),
        config.maxPrefillTokens(), context);
    metrics.gauges(loop::stats);
    this.thread = Thread.ofPlatform().daemon().name("patchwork-engine").unstarted(loop);
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  /**
   * AUTO as {@link EngineRuntime#resolve()}, except that the CPU runtime is skipped when its heap copy of the weights
   * and KV cache would take more than half of the free heap, or a KV layer would not fit one Java array.
   */
  private static EngineRuntime resolve(EngineRuntime wanted, Transformer model, int batch, int context) {
    EngineRuntime r = wanted.resolve();
    if (wanted != EngineRuntime.AUTO || r != EngineRuntime.VECTOR) return r;
    ModelConfig c = model.config();
    long kvLayer = (long) batch * c.numKvHeads() * context * c.headDim();
    long bytes = 4 * (model.parameterCount() + 2 * c.numLayers() * kvLayer);
    Runtime jvm = Runtime.getRuntime();
    long free = jvm.maxMemory() - (jvm.totalMemory() - jvm.freeMemory());
    return kvLayer < Integer.MAX_VALUE - 8 && bytes < free / 2 ? r : EngineRuntime.DJL;
  }

  /**
   * Loads the model (once) and starts the engine loop. Preloaded adapters are loaded and placed before this returns.
   *
   * @param source where adapters not in memory come from
   * @param registry receives the engine's and the adapter cache's meters
   */
  public static InferenceEngine start(EngineConfig config, AdapterSource source, MeterRegistry registry) {
    NDManager manager = Devices.newManager();
    // Process-wide in PyTorch: every thread's ops, this engine's and any other's, use the same count.
    if (config.intraOpThreads() > 0) JniUtils.setNumThreads(config.intraOpThreads());
    Tokenizer tokenizer = null;
    InferenceEngine engine;
    try {
      tokenizer = Tokenizer.load(config.modelDir());
      engine = new InferenceEngine(config, source, registry, manager, tokenizer);
    } catch (RuntimeException | Error e) {
      if (tokenizer != null) tokenizer.close();
      manager.close();
      throw e;
    }
    try {
      for (String id : config.preload()) engine.adapters.preload(id);
    } catch (RuntimeException e) {
      engine.close();
      throw e instanceof CompletionException && e.getCause() instanceof RuntimeException r ? r : e;
    }
    engine.thread.start();
    return engine;
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
      throw new IllegalArgumentException("n must be between 1 and the batch size " + scheduler.slots() + ", got " + n);
    }
    if (closed.get()) throw new IllegalStateException("the inference engine is closed");
    int p = request.promptLength();
    if (p >= context) throw new PromptTooLongException(p, context);
    int vocab = modelConfig.vocabSize();
    for (int id : request.promptIds()) {
      if (id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab);
    }
    Set<Integer> stopIds = new HashSet<>(request.sampling().stopIds());
    if (!request.ignoreEos()) stopIds.addAll(tokenizer.eosIds());
    int maxNew = Math.min(request.sampling().maxTokens(), context - p);
    List<Sequence> group = new ArrayList<>(n);
    List<GenerationHandle> handles = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      EngineRequest choice = i == 0 ? request : new EngineRequest(request.promptIds(), request.adapterId(),
          request.sampling().withSeed(request.sampling().seed() + i), request.ignoreEos(), request.logprobs(),
          request.grammar());
      Constraint constraint = request.grammar() == null ? null
          : new Constraint(request.grammar(), TokenTrie.of(tokenizer.tokenBytes()), stopIds);
      GenerationHandle handle = new GenerationHandle(ids.incrementAndGet(), listeners.get(i),
          new SerialExecutor(dispatch));
      Sequence s = new Sequence(handle, choice, maxNew, Set.copyOf(stopIds), tokenizer.streamingDecoder(true),
          metrics, constraint);
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
    return tokenizer;
  }

  public ModelConfig modelConfig() {
    return modelConfig;
  }

  /** The forward this engine runs: {@link EngineRuntime#DJL} or {@link EngineRuntime#VECTOR}. */
  public EngineRuntime runtime() {
    return runtime;
  }

  /** Positions per sequence, prompt plus completion; completions are cut at {@code contextLength - prompt}. */
  public int contextLength() {
    return context;
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
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + owned.get(i), e);
      }
    }
    tokenizer.close();
    manager.close();
  }
}

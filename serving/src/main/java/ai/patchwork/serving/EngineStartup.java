package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.model.vector.Quantization;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An engine's start, begun ahead of the rest of it: {@link #begin} checks the checkpoint's config and returns, while the
 * thread that will run the engine's loop loads the tokenizer and the weights and warms the runner up (the warm-up must
 * run there: the CPU runtime keeps oneDNN's primitives per thread). Meanwhile the caller starts what the engine needs
 * besides (a database, an adapter source, a web server); {@link #finish} then builds the engine around the warm model
 * and hands the thread its loop. {@link #close} without finishing frees what was loaded.
 *
 * <pre>
 *   EngineStartup startup = EngineStartup.begin(config); // returns at once
 *   ... // start everything else
 *   InferenceEngine engine = startup.finish(config, source, registry); // waits for the load and the warm-up
 * </pre>
 */
public final class EngineStartup implements AutoCloseable {

    private final EngineConfig config;
    private final CompletableFuture<BaseModel> loaded = new CompletableFuture<>();
    private final CompletableFuture<Runnable> next = new CompletableFuture<>(); // what the thread runs once loaded
    private final AtomicBoolean used = new AtomicBoolean(); // finished or closed
    private final Thread thread;

    private EngineStartup(EngineConfig config, ModelConfig mc, int context, EngineRuntime runtime) {
        this.config = config.withPreload(List.of());
        this.thread = Thread.ofPlatform()
                .daemon()
                .name("patchwork-engine")
                .start(() -> loadThenRun(config, mc, context, runtime));
    }

    /**
     * Checks the checkpoint's config against {@code config} (here, so a bad setting fails the caller at once), then
     * loads and warms the model up on the engine's thread.
     *
     * @throws IllegalArgumentException when the settings do not fit the checkpoint or the runtime
     */
    public static EngineStartup begin(EngineConfig config) {
        ModelConfig mc = ModelConfig.load(config.modelDir());
        if (config.maxSequenceLength() > mc.maxPositions()) {
            throw new IllegalArgumentException("maxSequenceLength " + config.maxSequenceLength()
                    + " exceeds the model's max_position_embeddings " + mc.maxPositions());
        }
        int context = config.maxSequenceLength() == 0 ? mc.maxPositions() : config.maxSequenceLength();
        EngineRuntime runtime = config.runtime().resolve();
        if (runtime != EngineRuntime.VECTOR && config.quantization() != Quantization.NONE) {
            throw new IllegalArgumentException(
                    "quantization " + config.quantization() + " needs the CPU runtime, which "
                            + "this JVM cannot run here (it needs the Vector API and a CPU device)");
        }
        return new EngineStartup(config, mc, context, runtime);
    }

    /**
     * The engine's thread: the model loaded and warmed up (the tokenizer loading beside it, on a thread of its own),
     * then whatever {@link #finish} or {@link #close} says.
     */
    private void loadThenRun(EngineConfig config, ModelConfig mc, int context, EngineRuntime runtime) {
        CompletableFuture<Tokenizer> tokenizing = CompletableFuture.supplyAsync(
                () -> Tokenizer.load(config.modelDir()),
                task -> Thread.ofPlatform()
                        .daemon()
                        .name("patchwork-tokenizer-load")
                        .start(task));
        ModelRunner runner = null;
        BaseModel base;
        try {
            runner = RunnerFactory.of(runtime).open(config, mc, context);
            runner.warmUp();
            base = new BaseModel(mc, joined(tokenizing), context, runtime, runner);
        } catch (RuntimeException | Error e) {
            if (runner != null) runner.close();
            tokenizing.thenAccept(Tokenizer::close); // once loaded, if it loads
            loaded.completeExceptionally(e);
            return;
        }
        loaded.complete(base);
        next.join().run();
    }

    /** The future's value, or the runtime exception it failed with (not wrapped in a {@link CompletionException}). */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Whether an engine of {@code config} can be finished from this start: the same settings, whatever adapters it
     * preloads.
     */
    public boolean startsAs(EngineConfig config) {
        return this.config.equals(config.withPreload(List.of()));
    }

    /**
     * Waits for the model to be loaded and warm, builds the engine, preloads {@code config}'s adapters and starts the
     * loop. Once only.
     *
     * @param config the begun settings ({@link #startsAs}), with the adapters to preload
     * @param source where adapters not in memory come from
     * @param registry receives the engine's and the adapter cache's meters
     * @throws IllegalArgumentException when {@code config} is not the begun one
     * @throws IllegalStateException when this start was already finished or closed
     */
    public InferenceEngine finish(EngineConfig config, AdapterSource source, MeterRegistry registry) {
        if (!startsAs(config)) throw new IllegalArgumentException("not the settings this engine was started with");
        if (!used.compareAndSet(false, true)) throw new IllegalStateException("this start was finished or closed");
        BaseModel base = joined(loaded);
        InferenceEngine engine;
        try {
            engine = new InferenceEngine(config, source, registry, base, thread);
        } catch (RuntimeException | Error e) {
            next.complete(base::close);
            join();
            throw e;
        }
        try {
            for (String id : config.preload()) engine.adapters().preload(id);
        } catch (RuntimeException e) {
            next.complete(() -> {}); // the engine's close frees the model
            engine.close();
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException r ? r : e;
        }
        next.complete(engine::runLoop);
        return engine;
    }

    /** Frees the model once loaded, when no engine was finished from this start; waits for the engine's thread. */
    @Override
    public void close() {
        if (!used.compareAndSet(false, true)) return;
        next.complete(() -> loaded.join().close());
        join();
    }

    private void join() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

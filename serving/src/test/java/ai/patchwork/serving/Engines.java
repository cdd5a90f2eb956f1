package ai.patchwork.serving;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Starts engines for tests, with a trace of every step and a way to pause the loop between steps. */
final class Engines {

    private Engines() {}

    /** An engine over the fixture model and its two adapters. */
    static Traced fixture(UnaryOperator<EngineConfig.Builder> config) {
        return start(Fixtures.model(), new FolderAdapterSource(Fixtures.adapters()), config);
    }

    static Traced start(Path model, AdapterSource source, UnaryOperator<EngineConfig.Builder> config) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InferenceEngine engine =
                InferenceEngine.start(config.apply(EngineConfig.builder(model)).build(), source, registry);
        return new Traced(engine, registry);
    }

    /** An engine plus the steps it ran. */
    static final class Traced implements AutoCloseable {
        final InferenceEngine engine;
        final MeterRegistry registry;
        final List<StepTrace> steps = new CopyOnWriteArrayList<>();
        private final Semaphore parked = new Semaphore(0);
        private volatile CountDownLatch gate; // set while paused

        Traced(InferenceEngine engine, MeterRegistry registry) {
            this.engine = engine;
            this.registry = registry;
            engine.observe(t -> {
                steps.add(t);
                CountDownLatch g = gate;
                if (g != null) {
                    parked.release();
                    try {
                        g.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
        }

        /** Blocks the loop at the end of its next step and returns once it is blocked. */
        void pause() throws InterruptedException {
            holdAfterNextStep();
            awaitHeld();
        }

        /**
         * Arms the hold without waiting: the loop blocks at the end of the next step it runs. Arm it before submitting
         * the work whose first step should hold the loop; a loop that already ran out of work has no next step.
         */
        void holdAfterNextStep() {
            parked.drainPermits();
            gate = new CountDownLatch(1);
        }

        /** Waits until the loop is held; fails instead of hanging when it runs no step. */
        void awaitHeld() throws InterruptedException {
            if (!parked.tryAcquire(20, TimeUnit.SECONDS)) {
                throw new AssertionError(
                        "the engine loop ran no step in 20 s: nothing to hold (arm the hold before submitting)");
            }
        }

        void resume() {
            CountDownLatch g = gate;
            gate = null;
            if (g != null) g.countDown();
        }

        /** Steps that ran a row of this request. */
        List<StepTrace> stepsOf(long requestId) {
            return steps.stream().filter(t -> contains(t, requestId)).toList();
        }

        static boolean contains(StepTrace t, long requestId) {
            for (long id : t.requestIds()) if (id == requestId) return true;
            return false;
        }

        @Override
        public void close() {
            resume();
            engine.close();
        }
    }
}

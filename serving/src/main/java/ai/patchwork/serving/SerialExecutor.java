package ai.patchwork.serving;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one request's callbacks one at a time, in submission order, on a shared executor: the engine loop hands
 * events over without ever waiting for a consumer.
 */
final class SerialExecutor implements Executor {

    private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());

    private final Executor pool;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) pool.execute(this::drain);
    }

    private void drain() {
        do {
            for (Runnable t; (t = tasks.poll()) != null; ) {
                try {
                    t.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.WARNING, "a generation listener failed", e);
                }
            }
            scheduled.set(false);
        } while (!tasks.isEmpty() && scheduled.compareAndSet(false, true));
    }
}

package ai.patchwork.testsupport.services;

import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;

/**
 * Stops a shared test service when the test JVM exits, after the Spring contexts that use it.
 *
 * <p>A plain JVM shutdown hook runs beside Spring's, so the database or object store went away while the cached
 * test contexts were still closing, and each of them then waited out its connection timeouts (about 30 s at the end
 * of the api module). Spring Boot's shutdown handlers run only once every application context is closed, but only in
 * a JVM where a Spring application ran: Spring adds its own JVM hook then. In a test JVM without one, a plain hook
 * stops the service instead, so that no server outlives its tests.
 */
final class StopAtExit {
    private static final AtomicBoolean SPRING_RAN = new AtomicBoolean();

    private StopAtExit() {}

    static void register(String what, AutoCloseable service) {
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) return;
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("test " + what + " did not stop cleanly: " + e);
            }
        };
        SpringApplication.getShutdownHandlers().add(stop);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (!SPRING_RAN.get())
                                stop.run(); // else Spring's hook runs the handler above, after the contexts
                        },
                        "stop test " + what));
    }

    /** Notes that a Spring application started in this JVM (registered in {@code META-INF/spring.factories}). */
    public static final class SpringRuns implements SpringApplicationRunListener {
        public SpringRuns(SpringApplication application, String[] args) {}

        @Override
        public void starting(ConfigurableBootstrapContext bootstrapContext) {
            SPRING_RAN.set(true);
        }
    }
}

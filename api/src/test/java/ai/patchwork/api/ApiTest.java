package ai.patchwork.api;

import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * The whole application on a random port against the shared test PostgreSQL and S3 server, with small upload limits.
 * Every test class annotated with it shares one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.registry.max-adapter-size=1MB",
            "patchwork.registry.max-config-size=16KB",
            "patchwork.registry.max-archive-size=2MB",
            "spring.servlet.multipart.max-file-size=3MB",
            "patchwork.limits.max-multipart-size=8MB",
            "logging.level.org.testcontainers.dockerclient=OFF",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN"
        })
@Import(PatchworkTestServices.class)
public @interface ApiTest {}

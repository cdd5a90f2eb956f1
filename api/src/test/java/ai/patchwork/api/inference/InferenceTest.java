package ai.patchwork.api.inference;

import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * The whole application on a random port against the shared test PostgreSQL and S3, serving the tiny-llama fixture
 * (and a generated model with a Hermes tool-calling template, {@link ToolModelServices}) with room for 8 sequences and 32 queued requests. Test classes annotated with it share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.serving.max-batch-size=8",
            "patchwork.serving.max-queued=32",
            "patchwork.serving.adapter-slots=4",
            "patchwork.serving.prefill-chunk=8",
            "logging.level.org.testcontainers.dockerclient=OFF",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN"
        })
@Import({PatchworkTestServices.class, ToolModelServices.class})
public @interface InferenceTest {}

package ai.patchwork.testsupport.spring;

import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * Import into a {@code @SpringBootTest} to run the application against this JVM's shared {@link TestPostgres} and
 * {@link TestS3}, with the tiny-llama fixture configured as base model {@value #BASE_MODEL}. Every test class that
 * imports it (and nothing else that changes the context) shares one cached application context.
 */
@TestConfiguration(proxyBeanMethods = false)
public class PatchworkTestServices {

    /** The bucket the application under test stores objects in. */
    public static final String BUCKET = "patchwork-test";

    /** The id of the tiny-llama fixture model as a configured base model. */
    public static final String BASE_MODEL = "tiny-llama";

    /**
     * A key of the default project that the application under test installs at startup
     * ({@code patchwork.auth.bootstrap-project-key}): what the tests' HTTP clients send unless a test says otherwise.
     */
    public static final String PROJECT_KEY = "sk-proj-test0000000000000000000000000000000000000000";

    /** The admin key the application under test installs ({@code patchwork.auth.bootstrap-admin-key}). */
    public static final String ADMIN_KEY = "sk-admin-test000000000000000000000000000000000000000";

    @Bean
    DynamicPropertyRegistrar patchworkTestServiceProperties() {
        return registry -> {
            TestPostgres pg = TestPostgres.shared();
            TestS3 s3 = TestS3.shared();
            registry.add("spring.datasource.url", pg::jdbcUrl);
            registry.add("spring.datasource.username", pg::username);
            registry.add("spring.datasource.password", pg::password);
            registry.add("patchwork.s3.endpoint", s3::endpoint);
            registry.add("patchwork.s3.access-key", s3::accessKey);
            registry.add("patchwork.s3.secret-key", s3::secretKey);
            registry.add("patchwork.s3.region", s3::region);
            registry.add("patchwork.s3.bucket", () -> BUCKET);
            registry.add("patchwork.auth.bootstrap-project-key", () -> PROJECT_KEY);
            registry.add("patchwork.auth.bootstrap-admin-key", () -> ADMIN_KEY);
            registry.add(
                    "patchwork.base-models." + BASE_MODEL + ".path",
                    () -> TinyLlama.model().toString());
            registry.add("patchwork.serving.packed-cache-dir", () -> ""); // tests write nothing into the user's cache
        };
    }
}

/**
 * Spring test wiring: {@link ai.patchwork.testsupport.spring.PatchworkTestServices} points a
 * {@code @SpringBootTest} at this JVM's shared PostgreSQL, S3 server and the tiny-llama base model.
 */
package ai.patchwork.testsupport.spring;

/**
 * Shared test infrastructure for every Patchwork module, used in test scope only.
 *
 * <ul>
 *   <li>{@link ai.patchwork.testsupport.services}: one real PostgreSQL and one real S3 server per JVM, from
 *       Testcontainers when Docker works, otherwise embedded PostgreSQL (zonky) and in-process S3Proxy. The choice is
 *       automatic and a test is never skipped for want of Docker.
 *   <li>{@link ai.patchwork.testsupport.spring}: the same services as Spring properties for {@code @SpringBootTest}.
 *   <li>{@link ai.patchwork.testsupport.fixtures}: the tiny-llama fixture and builders for PEFT adapters, safetensors
 *       bytes (valid or deliberately broken) and archives.
 *   <li>{@link ai.patchwork.testsupport.http}: a multipart/form-data body for {@code java.net.http}.
 * </ul>
 */
package ai.patchwork.testsupport;

/**
 * Real backing services for tests, started once per JVM and shared by every test in it: {@link
 * ai.patchwork.testsupport.services.TestPostgres} and {@link ai.patchwork.testsupport.services.TestS3}.
 *
 * <p>Docker is used when Testcontainers finds a working daemon (set {@code PATCHWORK_TEST_DOCKER=false} to skip it);
 * a container that fails to start falls back to the in-process service with a warning instead of failing or skipping.
 * Tests sharing a service must not assume an empty database or bucket: compare counts before and after, or use
 * {@link ai.patchwork.testsupport.services.TestPostgres#createDatabase(String)} for a fresh database.
 */
package ai.patchwork.testsupport.services;

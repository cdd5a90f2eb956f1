/**
 * The Patchwork application: one Spring Boot jar serving an OpenAI-compatible HTTP API, organised by feature.
 *
 * <ul>
 *   <li>{@link ai.patchwork.api.platform}: configuration ({@code patchwork.*}), process roles, the database schema
 *       (Flyway), the object store and the base models.
 *   <li>{@link ai.patchwork.api.web}: what every endpoint shares: OpenAI's error envelope and list shape.
 *   <li>{@link ai.patchwork.api.adapters}: {@code /v1/adapters}, the adapter registry over HTTP.
 *   <li>{@link ai.patchwork.api.models}: {@code /v1/models}.
 * </ul>
 *
 * <p>Later features ({@code files}, {@code fine_tuning}, {@code chat}) are packages beside these; a feature package
 * may use {@code platform} and {@code web} but not another feature's internals.
 */
package ai.patchwork.api;

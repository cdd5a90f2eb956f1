/**
 * Platform wiring shared by every feature: {@link ai.patchwork.api.platform.PatchworkProperties} ({@code patchwork.*}),
 * process {@link ai.patchwork.api.platform.Role roles} with {@link ai.patchwork.api.platform.ConditionalOnRole}, the
 * schema (Flyway migrates when the api role runs; other roles only validate), the object store and the configured base
 * models.
 */
package ai.patchwork.api.platform;

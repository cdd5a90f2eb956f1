/**
 * Per-project rate limits and quotas. {@link ai.patchwork.api.limits.RateLimiter} admits inference requests against
 * the project's requests and tokens per minute through PostgreSQL (so replicas share one limit) and answers 429 with
 * OpenAI's {@code x-ratelimit-*} headers and {@code Retry-After}; {@link ai.patchwork.api.limits.Quotas} refuses
 * uploads and jobs past a project's stored-bytes and concurrent-job quotas with 429 {@code quota_exceeded}.
 */
package ai.patchwork.api.limits;

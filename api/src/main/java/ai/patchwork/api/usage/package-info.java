/**
 * Metering of inference: {@link ai.patchwork.api.usage.UsageRecorder} adds up prompt and completion tokens per hour,
 * API key (a hash of the bearer token, never the token), base model and adapter into {@code usage_hourly} — the basis
 * of per-token pricing — and {@code GET /v1/usage} reads them back in OpenAI's usage-bucket shape. Serving processes
 * record; api processes answer the reads. Depends on the platform roles and the web envelope only.
 */
package ai.patchwork.api.usage;

/**
 * {@code ./patchwork bench serve}: the serving benchmark of issue 5, run against the real application over HTTP
 * (embedded PostgreSQL and S3, adapters registered through {@code POST /v1/adapters}, streamed completions sent with
 * {@code java.net.http}), so that every figure includes what a client would see: HTTP, JSON, the registry, the
 * adapter cache and the engine. Not used by the application itself.
 */
package ai.patchwork.bench.serve;

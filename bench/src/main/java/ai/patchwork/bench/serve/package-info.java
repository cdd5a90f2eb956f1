/**
 * {@code ./patchwork bench serve}: serving benchmarks run against the real application over HTTP (adapters registered
 * through {@code POST /v1/adapters}, streamed completions sent with {@code java.net.http}), so that every figure
 * includes what a client would see: HTTP, JSON, the registry, the adapter cache and the engine. {@link
 * ai.patchwork.bench.serve.ServeBench} runs the application in its own JVM on a generated 3.4M model;
 * {@link ai.patchwork.bench.serve.SizedServeBench} serves a real-size checkpoint from a separate
 * {@code ./patchwork up} process, whose start time and memory it measures too.
 */
package ai.patchwork.bench.serve;

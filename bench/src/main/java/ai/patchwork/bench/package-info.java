/**
 * The benchmarks behind {@code ./patchwork bench model|serve|train}, and the generated models they share
 * ({@link ai.patchwork.bench.BenchModels}). Each prints one JSON object on stdout. Nothing in the application depends
 * on this module.
 */
package ai.patchwork.bench;

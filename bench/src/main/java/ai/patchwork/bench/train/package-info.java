/** {@code ./patchwork bench train}: the training loop's throughput against a bare forward and backward pass. */
package ai.patchwork.bench.train;

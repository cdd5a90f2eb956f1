/** ./patchwork bench model: runtime throughput by batch size and adapter mix, printed as JSON. */
package ai.patchwork.bench.model;

/** Static-batch generation for the CLI, tests and benchmarks; the serving engine drives Transformer.step itself. */
package ai.patchwork.model.generate;

/** The safetensors format: a validating, memory-mapping reader, a writer, and sharded checkpoints. */
package ai.patchwork.model.safetensors;

/**
 * The CPU inference runtime for small batches: the same Llama-family forward as {@code nn}, written as fused loops
 * over plain float arrays with the JDK Vector API (SIMD), as llama2.c and Jlama do.
 *
 * <p>Why a second forward: at serving batch sizes a decode step of a small model is a few hundred tensor ops of tens
 * of microseconds each, and through DJL and PyTorch's eager dispatch every op costs about 10 µs of overhead whatever
 * its size, more than the math. Here a step is one pass over the weights with no per-op cost, and LoRA reads each
 * sequence's adapter straight from its slot (Punica's BGMV, no gathered copies). The DJL {@code Transformer} stays
 * the reference, the training path and the GPU path; tests hold this runtime to it and to the fixture's float64
 * figures.
 *
 * <p>Public: {@link ai.patchwork.model.vector.VectorTransformer}, {@link ai.patchwork.model.vector.VectorKvCache},
 * {@link ai.patchwork.model.vector.VectorLoraSlots}. Needs {@code --add-modules jdk.incubator.vector};
 * {@link ai.patchwork.model.vector.VectorTransformer#available()} says whether this JVM has it.
 */
package ai.patchwork.model.vector;

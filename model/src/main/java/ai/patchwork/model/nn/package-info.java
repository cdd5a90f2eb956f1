/**
 * The Llama-family transformer, one class per concept, in reading order: {@link ai.patchwork.model.nn.Embedding},
 * {@link ai.patchwork.model.nn.RmsNorm}, {@link ai.patchwork.model.nn.RotaryEmbedding},
 * {@link ai.patchwork.model.nn.Attention}, {@link ai.patchwork.model.nn.Mlp},
 * {@link ai.patchwork.model.nn.TransformerBlock}, {@link ai.patchwork.model.nn.Transformer}.
 *
 * <p>Follows transformers' {@code modeling_llama.py} (LlamaForCausalLM), nanoGPT's {@code model.py} and llama2.c.
 * Shape glossary: B batch, T new tokens, L attended positions, E hidden size, N query heads, K key/value heads, g = N/K
 * query heads per key/value head, H head size, I intermediate size, V vocabulary, r LoRA rank. Tensor lines carry their
 * shape in a comment; local names use the paper's letters.
 *
 * <p>Native memory: weights belong to the model's manager; every intermediate of a forward step belongs to that
 * step's manager (see {@link ai.patchwork.model.nn.RunState}) and is freed when the step closes.
 */
package ai.patchwork.model.nn;

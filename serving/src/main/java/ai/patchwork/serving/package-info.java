/**
 * The serving engine: one base model, hundreds of LoRA adapters, continuous batching.
 *
 * <p>Public surface: {@link ai.patchwork.serving.InferenceEngine} (submit, cancel, stats), its
 * {@link ai.patchwork.serving.EngineConfig}, the request and event records ({@link ai.patchwork.serving.EngineRequest},
 * {@link ai.patchwork.serving.TokenEvent}, {@link ai.patchwork.serving.Completion}, {@link ai.patchwork.serving.Usage}),
 * the streaming callback {@link ai.patchwork.serving.GenerationListener}, and the adapter tiers
 * ({@link ai.patchwork.serving.AdapterSource} → host LRU → device slots, managed by
 * {@link ai.patchwork.serving.AdapterCache}). Everything else is package-private: the scheduler never touches
 * tensors, the model runner never touches the adapter source, and only the engine-loop thread runs the model.
 *
 * <p>Depends on {@code patchwork-model} and Micrometer core only: no Spring, no registry, no HTTP.
 */
package ai.patchwork.serving;

/**
 * OpenAI-compatible inference: {@code POST /v1/completions} and {@code POST /v1/chat/completions}, streamed as
 * server-sent events or not, where {@code model} is a base model id or an adapter ({@code adp-…} id, {@code name},
 * or {@code name@version}).
 *
 * <p>One serving-module {@code InferenceEngine} per configured base model ({@link ai.patchwork.api.inference.ServedModels})
 * batches every request of that base model, whatever adapter it names, into the same forward passes. Adapters come
 * from the registry (downloaded on the engine's loader threads, never on the request path) and are invalidated by the
 * registry's change events. Requests are metered into {@code ai.patchwork.api.usage}. Only processes with the serving
 * role run engines.
 *
 * <p>Depends on the serving module's public API, the registry, the platform roles and the web envelope; nothing
 * depends on it.
 */
package ai.patchwork.api.inference;

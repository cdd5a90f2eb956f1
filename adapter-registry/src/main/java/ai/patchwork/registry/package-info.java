/**
 * The adapter registry: where every PEFT LoRA adapter lives, uploaded by a user or produced by a fine-tuning job, and
 * where serving replicas load them from.
 *
 * <p>Public API: {@link ai.patchwork.registry.AdapterRegistry} (register, resolve, list, delete, download, garbage
 * collection), the values it takes and returns ({@link ai.patchwork.registry.Adapter},
 * {@link ai.patchwork.registry.AdapterUpload}, {@link ai.patchwork.registry.AdapterFiles},
 * {@link ai.patchwork.registry.AdapterLineage}, {@link ai.patchwork.registry.AdapterQuery},
 * {@link ai.patchwork.registry.Page}, {@link ai.patchwork.registry.RegistryLimits}), the configured base models
 * ({@link ai.patchwork.registry.BaseModels}) and its exception types {@link ai.patchwork.registry.RegistryException}
 * and {@link ai.patchwork.registry.StorageUnavailableException}. The refusal and page types
 * ({@link ai.patchwork.registry.RequestRefusedException}, {@link ai.patchwork.registry.Page}) are shared with the
 * trainer's files and fine-tuning jobs. Everything else in this package is an implementation detail:
 * validation of uploads and archives, SQL, PEFT zip packaging.
 *
 * <p>Invariants: an upload is validated completely (sizes, archive entries, safetensors header, config, tensor names
 * and shapes against the base model) before anything is written; adapter versions are immutable and numbered 1, 2, …
 * per name without gaps; weights are stored once per distinct sha256 ({@link ai.patchwork.registry.store}); deletes
 * are soft and publish a change event ({@link ai.patchwork.registry.events}).
 *
 * <p>Depends on the {@code model} module for the PEFT and safetensors readers, on Spring JDBC and on PostgreSQL with
 * the schema of the {@code migrations} module; it does not depend on Spring Boot or the web layer.
 */
package ai.patchwork.registry;

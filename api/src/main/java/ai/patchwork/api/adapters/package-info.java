/**
 * {@code /v1/adapters}: upload PEFT LoRA adapters (multipart: the two PEFT files or one archive), list, retrieve by id,
 * name or {@code name@N}, download as a PEFT zip, and soft-delete. Also wires the registry's beans
 * ({@link ai.patchwork.registry.AdapterRegistry}, {@link ai.patchwork.registry.events.AdapterEvents}) for every role,
 * and collects unreferenced artifacts on a schedule in the api role.
 */
package ai.patchwork.api.adapters;

/**
 * Adapter change events for serving replicas. Every new adapter version and every deletion is published by a
 * database trigger on PostgreSQL channel {@value ai.patchwork.registry.events.AdapterEvents#CHANNEL} when its
 * transaction commits; {@link ai.patchwork.registry.events.AdapterEvents} listens on a dedicated connection and hands
 * each {@link ai.patchwork.registry.events.AdapterChanged} to its subscribers, so a replica's adapter cache follows
 * the registry without a restart. After a lost connection subscribers get a {@code RESYNC} event: notifications sent
 * meanwhile are lost, and caches should be revalidated.
 */
package ai.patchwork.registry.events;

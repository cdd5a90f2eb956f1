/**
 * Serving replica presence, without a cluster manager: each process with the serving role keeps a heartbeat row in
 * PostgreSQL ({@code serving_replicas}) listing the adapters resident in its engines' caches, and deletes it when it
 * stops. The api role answers {@code GET /v1/serving/replicas} and an adapter's {@code loaded_on} from the rows whose
 * heartbeat is fresh, and prunes the ones long gone.
 *
 * <p>Depends on the platform roles, the inference package's {@code ServedModels} (read only) and the web list shape;
 * the adapters package reads {@link ai.patchwork.api.replicas.ServingReplicas#loadedOn}.
 */
package ai.patchwork.api.replicas;

package ai.patchwork.api.replicas;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ListPage;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/serving/replicas}: the serving replicas alive now and the adapters each holds in memory. */
@RestController
@ConditionalOnRole(Role.API)
class ReplicasController {
  private final ServingReplicas replicas;

  ReplicasController(ServingReplicas replicas) {
    this.replicas = replicas;
  }

  /** Replicas whose heartbeat is younger than {@link ServingReplicas#FRESH}, by id, in one page. */
  @GetMapping("/v1/serving/replicas")
  ListPage<ReplicaJson> list() {
    return ListPage.of(replicas.live().stream().map(ReplicaJson::of).toList(), false, ReplicaJson::id);
  }
}

package ai.patchwork.api.replicas;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ListPage;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/serving/replicas}: the serving replicas alive now and the adapters each holds in memory. An admin key
 * sees every adapter; a project key only those its project may serve (its own and those shared with the organization).
 */
@RestController
@ConditionalOnRole(Role.API)
record ReplicasController(ServingReplicas replicas) {

    /** Replicas whose heartbeat is younger than {@link ServingReplicas#FRESH}, by id, in one page. */
    @GetMapping("/v1/serving/replicas")
    ListPage<ReplicaJson> list(Caller caller) {
        List<ReplicaJson> live = replicas.live().stream().map(ReplicaJson::of).toList();
        if (!caller.admin())
            live = live.stream()
                    .map(r -> r.visibleTo(caller.projectId(), replicas))
                    .toList();
        return ListPage.of(live, false, ReplicaJson::id);
    }
}

package ai.patchwork.api.models;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ListPage;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/models}: what a request's {@code model} may name. */
@RestController
@RequestMapping("/v1/models")
@ConditionalOnRole(Role.API)
record ModelsController(BaseModels baseModels, AdapterRegistry registry) {

    /** Base models first, then each adapter name (its latest ready version), by name. */
    @GetMapping
    ListPage<ModelJson> list(Caller caller) {
        List<ModelJson> models = new ArrayList<>();
        baseModels.all().stream().filter(m -> caller.mayUse(m.id())).forEach(m -> models.add(ModelJson.of(m)));
        registry.latestReady(caller.projectId()).forEach(a -> models.add(ModelJson.of(a, a.name())));
        return ListPage.of(models, false, ModelJson::id);
    }

    /** One model: a base model id, or an adapter id, name or {@code name@N} that is ready. */
    @GetMapping("/{id}")
    ModelJson get(Caller caller, @PathVariable String id) {
        return baseModels
                .find(id)
                .filter(m -> caller.mayUse(m.id()))
                .map(ModelJson::of)
                .orElseGet(() -> ModelJson.of(registry.getReady(caller.projectId(), id), id));
    }
}

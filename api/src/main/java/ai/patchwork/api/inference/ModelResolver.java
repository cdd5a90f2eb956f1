package ai.patchwork.api.inference;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.ErrorTypes;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.serving.InferenceEngine;
import java.util.Optional;
import org.springframework.http.HttpStatus;

/**
 * Turns a request's {@code model} into what to run: a served base model id, or an adapter named by id
 * ({@code adp-…}), {@code name} (its latest ready version) or {@code name@version}. Resolution happens before a
 * request is queued or a stream opened, so an unknown model is always a plain 404. Names resolve inside the caller's
 * project only (plus the base models it may use, and adapters shared with the organization by id): another project's
 * adapter is a 404 like one that does not exist.
 */
final class ModelResolver {
    private final ServedModels served;
    private final AdapterRegistry registry;

    ModelResolver(ServedModels served, AdapterRegistry registry) {
        this.served = served;
        this.registry = registry;
    }

    /**
     * What a request runs.
     *
     * @param model the {@code model} as the client wrote it, echoed in responses
     * @param baseModel the base model id
     * @param adapterId the adapter version's id, or null for the base model alone
     * @param engine the base model's engine
     */
    record Target(String model, String baseModel, String adapterId, InferenceEngine engine) {}

    /** @throws ApiException 400 when {@code model} is missing, 404 {@code model_not_found} when nothing matches */
    Target resolve(Caller caller, String model) {
        if (model == null || model.isBlank()) {
            throw ApiException.badRequest("model", "missing_required_parameter", "model is required");
        }
        Optional<InferenceEngine> base = caller.mayUse(model) ? served.engine(model) : Optional.empty();
        if (base.isPresent()) return new Target(model, model, null, base.get());
        Adapter adapter = find(caller.projectId(), model)
                .filter(Adapter::isReady)
                .filter(a -> caller.mayUse(a.baseModel()))
                .orElseThrow(() -> notFound(model, ""));
        InferenceEngine engine = served.engine(adapter.baseModel())
                .orElseThrow(
                        () -> notFound(model, " (its base model '" + adapter.baseModel() + "' is not served here)"));
        return new Target(model, adapter.baseModel(), adapter.id(), engine);
    }

    private Optional<Adapter> find(String project, String model) {
        try {
            return registry.find(project, model);
        } catch (RegistryException e) {
            if (e.refusal().reason() == RegistryException.Reason.INVALID)
                return Optional.empty(); // e.g. "x@0": names nothing
            throw e;
        }
    }

    static ApiException notFound(String model, String why) {
        return new ApiException(
                HttpStatus.NOT_FOUND,
                ErrorTypes.INVALID_REQUEST,
                "model",
                "model_not_found",
                "The model '" + model + "' does not exist" + why
                        + "; GET /v1/models lists the base models and adapters");
    }
}

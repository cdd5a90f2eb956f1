package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.TrainerException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The preference method, OpenAI's {@code method: {"type": "dpo"}}: Direct Preference Optimization on pairs of a
 * preferred and a non-preferred completion of the same input. The reference policy is the base model with the
 * adapter switched off.
 *
 * @param beta the DPO temperature β: how far the policy may move from the reference (higher keeps it closer);
 *     greater than 0 and at most 2
 * @param initialAdapter the adapter id training starts from, which is then the reference, or null for a fresh
 *     adapter and the base model as the reference
 */
public record Preference(double beta, String initialAdapter) {

    /** OpenAI's and TRL's default β. */
    public static final double DEFAULT_BETA = 0.1;

    public Preference {
        if (!(beta > 0 && beta <= 2)) {
            throw TrainerException.invalid(
                    "method.dpo.hyperparameters.beta",
                    "invalid_hyperparameter",
                    "method.dpo.hyperparameters.beta must be greater than 0 and at most 2, got " + beta);
        }
    }

    /** The method's own hyperparameters as the API shows them next to OpenAI's three. */
    public Map<String, Object> hyperparameters() {
        return Map.of("beta", beta);
    }

    /** The method's keys of the {@code patchwork} extension. */
    public Map<String, Object> options() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_adapter", initialAdapter);
        return m;
    }

    public Preference withInitialAdapter(String adapterId) {
        return new Preference(beta, adapterId);
    }

    /** The {@code method} column. */
    ObjectNode column(Hyperparameters h) {
        ObjectNode hyper = JobColumns.hyperparameters(h);
        hyper.put("beta", beta);
        ObjectNode method = JsonMapper.shared().createObjectNode();
        method.put("type", "dpo");
        ObjectNode dpo = method.putObject("dpo");
        dpo.set("hyperparameters", hyper);
        if (initialAdapter != null) dpo.putObject("patchwork").put("initial_adapter", initialAdapter);
        return method;
    }

    /** Reads the {@code method} column; null unless the job is a DPO job. */
    static Preference read(JsonNode method) {
        if (method == null || !"dpo".equals(method.path("type").asString(""))) return null;
        JsonNode initial = method.path("dpo").path("patchwork").path("initial_adapter");
        return new Preference(
                method.path("dpo").path("hyperparameters").path("beta").asDouble(DEFAULT_BETA),
                initial.isString() ? initial.asString() : null);
    }
}

package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code multi}: grades the sample with each of {@code graders} and combines their rewards with the
 * {@code calculate_output} formula ({@link Formula}), whose variables are the graders' names. {@code graders} may be
 * a map from name to grader (OpenAI's canonical form; the key is the name the formula uses), a single grader, or an
 * array of graders (each named by its {@code name}); the canonical JSON is always the map. A multi grader cannot
 * contain another. The reward is whatever the formula gives (not clipped to [0, 1]); each sub-grader's reward is in
 * {@link Grade#subRewards()}, and a formula that cannot be evaluated (division by zero, {@code log(0)}) gives 0 with
 * {@code other_error}.
 */
final class MultiGrader extends BaseGrader {
    static final String TYPE = "multi";

    private final Map<String, BaseGrader> graders;
    private final Formula formula;

    private MultiGrader(String name, Map<String, BaseGrader> graders, Formula formula, GraderFields f) {
        super(name, TYPE, f.json());
        this.graders = graders;
        this.formula = formula;
    }

    static Set<String> fields() {
        return Set.of("graders", "calculate_output");
    }

    static MultiGrader parse(GraderFields f) {
        String name = f.name();
        JsonNode node = f.raw("graders");
        String param = f.param("graders");
        if (node == null || node.isNull()) throw f.invalid("graders", "graders is required for a multi grader");
        Map<String, BaseGrader> graders = new LinkedHashMap<>();
        Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (node.isObject() && node.has("type") && node.get("type").isString()) {
            BaseGrader g = Graders.parse(node, param, false);
            graders.put(g.name(), g);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String at = param + "." + e.getKey();
                if (seen.put(e.getKey(), at) != null) {
                    throw TrainerException.invalid(
                            at, GraderFields.CODE, "grader names must differ other than in case: '" + e.getKey() + "'");
                }
                graders.put(e.getKey(), Graders.parse(e.getValue(), at, false));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String at = param + "[" + i + "]";
                BaseGrader g = Graders.parse(node.get(i), at, false);
                if (seen.put(g.name(), at) != null) {
                    throw TrainerException.invalid(
                            at + ".name",
                            GraderFields.CODE,
                            "two graders are named '" + g.name()
                                    + "' (names must differ other than in case: calculate_output refers to them by name)");
                }
                graders.put(g.name(), g);
            }
        } else {
            throw f.invalid("graders", "graders must be a map from name to grader, a grader, or an array of graders");
        }
        if (graders.isEmpty()) throw f.invalid("graders", "graders must hold at least one grader");
        ObjectNode json = f.json().putObject("graders");
        graders.forEach((key, g) -> json.set(key, g.toJson()));
        Formula formula =
                Formula.parse(f.string("calculate_output", null), graders.keySet(), f.param("calculate_output"));
        return new MultiGrader(name, Collections.unmodifiableMap(graders), formula, f);
    }

    @Override
    double score(GradeContext ctx) {
        Map<String, Double> rewards = new LinkedHashMap<>();
        for (Map.Entry<String, BaseGrader> e : graders.entrySet()) {
            double reward = e.getValue().scoreSafely(ctx);
            rewards.put(e.getKey(), reward);
            ctx.subReward(e.getKey(), reward);
        }
        return formula.evaluate(rewards);
    }
}

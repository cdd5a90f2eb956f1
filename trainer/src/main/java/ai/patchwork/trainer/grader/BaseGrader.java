package ai.patchwork.trainer.grader;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every grader shares: its name, type and canonical JSON, and the guarantee of {@link Grader#grade} that a
 * bad sample never throws: whatever {@link #score} throws, or a reward that is not finite, becomes 0 with
 * {@code other_error}.
 */
abstract class BaseGrader implements Grader {
    private final String name;
    private final String type;
    private final ObjectNode json;

    BaseGrader(String name, String type, ObjectNode json) {
        this.name = name;
        this.type = type;
        this.json = json;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final JsonNode toJson() {
        return json.deepCopy();
    }

    @Override
    public final Grade grade(JsonNode item, String outputText) {
        GradeContext ctx = new GradeContext(item, outputText);
        return ctx.toGrade(scoreSafely(ctx));
    }

    /** {@link #score}, with failures turned into 0 and {@code other_error}. */
    final double scoreSafely(GradeContext ctx) {
        try {
            double reward = score(ctx);
            if (Double.isFinite(reward)) return reward;
        } catch (RuntimeException | StackOverflowError e) {
            // recorded below: a sample must never fail the training step
        }
        ctx.flag(Grade.OTHER_ERROR);
        return 0;
    }

    /** The reward of the sample in {@code ctx}; may throw, and records recoverable problems in {@code ctx}. */
    abstract double score(GradeContext ctx);

    @Override
    public String toString() {
        return type + " grader '" + name + "'";
    }
}

package ai.patchwork.trainer.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.trainer.TrainerException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Parsing and grading from JSON text, for the grader tests. */
final class GraderTesting {
    static final String PATH = "method.reinforcement.grader";

    private GraderTesting() {}

    static JsonNode json(String text) {
        return JsonMapper.shared().readTree(text);
    }

    static Grader grader(String json) {
        return Graders.parse(json(json), PATH);
    }

    static Grade grade(String grader, String item, String output) {
        return grader(grader).grade(item == null ? null : json(item), output);
    }

    /** Parsing {@code grader} is a 400 naming {@code param}, its message containing {@code message}. */
    static TrainerException refused(String grader, String param, String message) {
        TrainerException e = assertThrows(TrainerException.class, () -> grader(grader));
        assertEquals(TrainerException.Reason.INVALID, e.refusal().reason());
        assertEquals(param, e.refusal().param(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        return e;
    }
}

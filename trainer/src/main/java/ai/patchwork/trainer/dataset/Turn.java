package ai.patchwork.trainer.dataset;

import java.util.Objects;

/**
 * One message of a chat example.
 *
 * @param role system, user or assistant
 * @param content the text
 * @param weight 1 to train on this message, 0 not to; only assistant messages are ever trained on
 */
public record Turn(String role, String content, int weight) {

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (weight != 0 && weight != 1) throw new IllegalArgumentException("weight must be 0 or 1");
    }

    public boolean trained() {
        return weight == 1 && role.equals("assistant");
    }
}

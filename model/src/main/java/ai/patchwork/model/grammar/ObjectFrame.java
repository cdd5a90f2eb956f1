package ai.patchwork.model.grammar;

import java.util.List;

/**
 * Inside an object of known properties, written in schema order: optional ones may be skipped, required ones may
 * not, and no other key can be written. A key is matched byte by byte against the candidates' {@code "name":} texts.
 *
 * @param next the first property that may still be written
 * @param alive while matching a key: the candidates still matching, one bit per property
 * @param pos while matching a key: bytes of it read
 */
record ObjectFrame(Node.ObjectNode node, Phase phase, int next, long alive, int pos) implements Frame {
    /** Where in the object: before <code>{</code>, before the first key or <code>}</code>, after a value, inside a key. */
    enum Phase {
        OPEN,
        KEY_OR_END,
        COMMA_OR_END,
        KEY
    }

    @Override
    public Step accept(int b) {
        return switch (phase) {
            case OPEN -> b == '{' ? Step.to(new ObjectFrame(node, Phase.KEY_OR_END, 0, 0, 0)) : null;
            case KEY_OR_END -> b == '}' ? close() : key(candidates(), 0, b);
            case COMMA_OR_END -> {
                if (b == '}') yield close();
                long c = candidates();
                yield b == ',' && c != 0 ? Step.to(new ObjectFrame(node, Phase.KEY, next, c, 0)) : null;
            }
            default -> key(alive, pos, b);
        };
    }

    private Step close() {
        List<Node.Property> props = node.properties();
        for (int j = next; j < props.size(); j++) if (props.get(j).required()) return null;
        return Step.pop();
    }

    /** Properties {@code next} up to and including the first required one. */
    private long candidates() {
        long c = 0;
        List<Node.Property> props = node.properties();
        for (int j = next; j < props.size(); j++) {
            c |= 1L << j;
            if (props.get(j).required()) break;
        }
        return c;
    }

    private Step key(long candidates, int at, int b) {
        long still = 0;
        List<Node.Property> props = node.properties();
        for (int j = 0; j < props.size(); j++) {
            if ((candidates & (1L << j)) == 0) continue;
            byte[] key = props.get(j).key();
            if (key.length > at && (key[at] & 0xFF) == b) {
                if (key.length == at + 1) { // "name": is complete; no key is a prefix of another
                    Frame after = new ObjectFrame(node, Phase.COMMA_OR_END, j + 1, 0, 0);
                    return new Step(new Frame[] {after, Frame.start(props.get(j).value())}, true);
                }
                still |= 1L << j;
            }
        }
        return still == 0 ? null : Step.to(new ObjectFrame(node, Phase.KEY, next, still, at + 1));
    }
}

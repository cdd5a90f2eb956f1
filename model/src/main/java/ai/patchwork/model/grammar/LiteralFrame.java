package ai.patchwork.model.grammar;

import java.util.List;

/**
 * Matching one of a few exact texts (an enum, a const, true/false, null).
 *
 * @param pos bytes matched so far
 * @param alive the texts still matching, one bit each
 */
record LiteralFrame(List<byte[]> texts, int pos, long alive) implements Frame {

    static LiteralFrame of(Node.LiteralNode node) {
        int n = node.texts().size();
        return new LiteralFrame(node.texts(), 0, n == 64 ? -1L : (1L << n) - 1);
    }

    @Override
    public Step accept(int b) {
        long still = 0;
        boolean longer = false;
        for (int j = 0; j < texts.size(); j++) {
            if ((alive & (1L << j)) == 0) continue;
            byte[] t = texts.get(j);
            if (t.length > pos && (t[pos] & 0xFF) == b) {
                still |= 1L << j;
                longer |= t.length > pos + 1;
            }
        }
        if (still == 0) return canEnd() ? Step.popAndRefeed() : null;
        return longer ? Step.to(new LiteralFrame(texts, pos + 1, still)) : Step.pop();
    }

    @Override
    public boolean canEnd() {
        for (int j = 0; j < texts.size(); j++) if ((alive & (1L << j)) != 0 && texts.get(j).length == pos) return true;
        return false;
    }
}

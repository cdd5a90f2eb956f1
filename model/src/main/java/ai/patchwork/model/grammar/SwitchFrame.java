package ai.patchwork.model.grammar;

/**
 * Matching one of a switch's leading texts; when one is complete (none is a prefix of another), its node follows.
 *
 * @param pos bytes matched so far
 * @param alive the texts still matching, one bit each
 */
record SwitchFrame(Node.SwitchNode node, int pos, long alive) implements Frame {

    static SwitchFrame of(Node.SwitchNode node) {
        int n = node.prefixes().size();
        return new SwitchFrame(node, 0, n == 64 ? -1L : (1L << n) - 1);
    }

    @Override
    public Step accept(int b) {
        long still = 0;
        for (int j = 0; j < node.prefixes().size(); j++) {
            if ((alive & (1L << j)) == 0) continue;
            byte[] t = node.prefixes().get(j);
            if (t.length > pos && (t[pos] & 0xFF) == b) {
                if (t.length == pos + 1) return Step.to(Frame.start(node.thens().get(j)));
                still |= 1L << j;
            }
        }
        return still == 0 ? null : Step.to(new SwitchFrame(node, pos + 1, still));
    }
}

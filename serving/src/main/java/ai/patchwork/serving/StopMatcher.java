package ai.patchwork.serving;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could still turn out to be the start of a stop string is held back,
 * so a client never receives part of a stop string and the released pieces always concatenate to the final text
 * (which ends just before the earliest stop string).
 */
final class StopMatcher {

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean matched;

    StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    boolean matched() {
        return matched;
    }

    /** Adds decoded text and returns what can be released now; after a match, the text before the stop string. */
    String accept(String piece) {
        if (matched) return "";
        if (stops.isEmpty()) return piece;
        held.append(piece);
        int cut = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            matched = true;
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = heldBack();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** Releases whatever is held back (generation ended without a match). */
    String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    /** Length of the longest suffix of the held text that is a proper prefix of some stop string. */
    private int heldBack() {
        String h = held.toString();
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, h.length()); k > best; k--) {
                if (h.regionMatches(h.length() - k, s, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }
}

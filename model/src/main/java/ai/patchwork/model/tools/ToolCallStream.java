package ai.patchwork.model.tools;

/**
 * One streamed reply that may hold tool calls: passes on the text that is content whatever follows, holds back what
 * may be a call (and leading whitespace, which a call may follow), and at the end parses the whole reply. Not
 * thread-safe: one per choice, fed in order.
 */
public final class ToolCallStream {
    private final ToolCallFormat format;
    private final StringBuilder text = new StringBuilder();
    private int sent;

    public ToolCallStream(ToolCallFormat format) {
        this.format = format;
    }

    /** Takes the next piece of the reply; returns the part of the reply that can be sent as content now. */
    public String accept(String piece) {
        text.append(piece);
        int start = format.callStart(text.toString());
        if (start <= sent) return "";
        String ready = text.substring(sent, start);
        if (sent == 0 && ready.isBlank()) return "";
        sent = start;
        return ready;
    }

    /**
     * Ends the reply.
     *
     * @return the content not sent yet (null when none) and the calls the whole reply makes
     */
    public ParsedOutput finish() {
        String whole = text.toString();
        ParsedOutput parsed = format.parse(whole);
        if (parsed.calls().isEmpty()) return new ParsedOutput(whole.substring(sent), parsed.calls());
        String content = parsed.content() == null ? "" : parsed.content();
        String rest =
                content.length() > sent && content.startsWith(whole.substring(0, sent)) ? content.substring(sent) : "";
        return new ParsedOutput(rest, parsed.calls());
    }
}

package ai.patchwork.model.grammar;

/** A JSON schema this compiler cannot enforce; {@link #keyword} names the part at fault. */
public final class SchemaException extends IllegalArgumentException {
    private final String keyword;

    public SchemaException(String keyword, String message) {
        super(message);
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}

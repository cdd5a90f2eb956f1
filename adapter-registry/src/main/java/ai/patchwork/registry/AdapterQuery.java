package ai.patchwork.registry;

/**
 * A page of the adapter listing, newest first; deleted adapters are never listed.
 *
 * @param limit 1 to 100
 * @param after the id of the last adapter of the previous page, or null for the first page
 * @param baseModel only adapters of this base model, or null
 * @param name only versions of this name, or null
 */
public record AdapterQuery(int limit, String after, String baseModel, String name) {
    /** The largest page. */
    public static final int MAX_LIMIT = 100;

    public AdapterQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RegistryException.invalid("limit", "invalid_limit", "limit must be between 1 and 100, got " + limit);
        }
        if (after != null && !AdapterRef.isId(after)) {
            throw RegistryException.invalid(
                    "after", "invalid_cursor", "after must be an adapter id (adp-…), got '" + after + "'");
        }
    }

    /** The first page of everything, 20 per page. */
    public static AdapterQuery firstPage() {
        return new AdapterQuery(20, null, null, null);
    }
}

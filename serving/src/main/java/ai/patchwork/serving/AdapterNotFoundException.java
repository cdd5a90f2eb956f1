package ai.patchwork.serving;

/** The source has no adapter of that id (HTTP 404 {@code model_not_found}). */
public final class AdapterNotFoundException extends AdapterLoadException {

    public AdapterNotFoundException(String adapterId, String where) {
        super(adapterId, "adapter '" + adapterId + "' not found" + (where == null ? "" : " in " + where), null);
    }
}

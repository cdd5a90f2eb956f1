package ai.patchwork.api.web;

/**
 * A bound on the whole {@code multipart/form-data} body of the uploads to one path, tighter than
 * {@code patchwork.limits.max-multipart-size}: an upload that declares a larger {@code Content-Length} is refused with
 * 413 before a byte of it is read or written to disk. A feature declares one as a bean.
 *
 * @param path the request path (exact)
 * @param maxBytes the largest body, all parts together
 * @param property the setting that sets it, named in the refusal
 */
public record UploadLimit(String path, long maxBytes, String property) {
    public UploadLimit {
        if (path == null || !path.startsWith("/")) throw new IllegalArgumentException("path must start with /");
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive");
        if (property == null || property.isBlank()) throw new IllegalArgumentException("property is required");
    }
}

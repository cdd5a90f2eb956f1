package ai.patchwork.registry.store;

/**
 * A blob in the object store, stored once per distinct content.
 *
 * @param sha256 the sha256 of its bytes, which is also its identity
 * @param sizeBytes its size
 * @param objectKey the object's key in the bucket ({@code sha256/<hex>})
 */
public record Artifact(String sha256, long sizeBytes, String objectKey) {
    public Artifact {
        new ContentHash(sha256, sizeBytes);
        if (objectKey == null || objectKey.isBlank()) throw new IllegalArgumentException("object key is empty");
    }

    public ContentHash hash() {
        return new ContentHash(sha256, sizeBytes);
    }
}

/**
 * The object store: {@link ai.patchwork.registry.store.ObjectStore} speaks S3 through the MinIO client (bucket created
 * when missing, multipart uploads for large files); {@link ai.patchwork.registry.store.Artifacts} keeps blobs there
 * content-addressed by sha256, one object per distinct content, tracked in the {@code artifacts} table, verified
 * after every write and on every read, and collected once nothing references them.
 *
 * <p>Other features (files, checkpoints) store their blobs through {@link ai.patchwork.registry.store.Artifacts} too,
 * and reference them by sha256 from their own tables.
 */
package ai.patchwork.registry.store;

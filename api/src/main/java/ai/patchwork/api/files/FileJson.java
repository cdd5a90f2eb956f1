package ai.patchwork.api.files;

import ai.patchwork.trainer.files.FileObject;

/** OpenAI's {@code file} object. */
record FileJson(
        String id,
        String object,
        long bytes,
        long createdAt,
        Long expiresAt,
        String filename,
        String purpose,
        String status,
        String statusDetails) {

    static FileJson of(FileObject f) {
        return new FileJson(
                f.id(),
                "file",
                f.bytes(),
                f.createdAt().getEpochSecond(),
                f.expiresAt() == null ? null : f.expiresAt().getEpochSecond(),
                f.filename(),
                f.purpose(),
                f.status(),
                null);
    }

    /** OpenAI's delete answer. */
    record Deleted(String id, String object, boolean deleted) {}
}

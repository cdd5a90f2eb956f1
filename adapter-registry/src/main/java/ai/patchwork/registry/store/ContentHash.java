package ai.patchwork.registry.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The sha256 and size of some content: its identity in the object store.
 *
 * @param sha256 64 lowercase hex digits
 * @param size bytes
 */
public record ContentHash(String sha256, long size) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public ContentHash {
        if (sha256 == null || !HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, got " + sha256);
        }
        if (size < 0) throw new IllegalArgumentException("size must not be negative, got " + size);
    }

    /** Hashes a file. */
    public static ContentHash of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = sha256Digest();
            byte[] buf = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                size += n;
            }
            return new ContentHash(HexFormat.of().formatHex(md.digest()), size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A new SHA-256 digest. */
    public static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}

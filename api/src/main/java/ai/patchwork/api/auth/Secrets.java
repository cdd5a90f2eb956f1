package ai.patchwork.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API key secrets: {@code sk-proj-} or {@code sk-admin-} and 43 base64url characters of 32 random bytes (256 bits).
 * Only their SHA-256 is stored: a secret that random cannot be guessed from its hash, so a fast hash is enough.
 */
final class Secrets {
    static final String PROJECT_PREFIX = "sk-proj-";
    static final String ADMIN_PREFIX = "sk-admin-";
    /** The shortest secret accepted, prefix included: 32 characters after the prefix, at least 190 bits. */
    static final int MIN_RANDOM_CHARS = 32;
    /** The longest Authorization value looked at; longer ones are refused without hashing. */
    static final int MAX_LENGTH = 256;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** A new secret with {@code prefix}. */
    static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether {@code secret} has a known prefix and enough characters after it to be one of ours. */
    static boolean wellFormed(String secret) {
        if (secret == null || secret.length() > MAX_LENGTH) return false;
        String prefix = secret.startsWith(PROJECT_PREFIX)
                ? PROJECT_PREFIX
                : secret.startsWith(ADMIN_PREFIX) ? ADMIN_PREFIX : null;
        if (prefix == null || secret.length() - prefix.length() < MIN_RANDOM_CHARS) return false;
        for (int i = prefix.length(); i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '_') return false;
        }
        return true;
    }

    /** The hex SHA-256 of the secret: what {@code api_keys.secret_sha256} holds. */
    static String hash(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Compares two hashes in time independent of where they differ. */
    static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    /** What listings show instead of the secret: its prefix and last four characters. */
    static String redact(String secret) {
        String prefix = secret.startsWith(ADMIN_PREFIX) ? ADMIN_PREFIX : PROJECT_PREFIX;
        return prefix + "…" + secret.substring(secret.length() - 4);
    }

    /** A new id with {@code prefix} ({@code key_}, {@code proj_}) and 24 random letters and digits. */
    static String newId(String prefix) {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        StringBuilder id = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return id.toString();
    }
}

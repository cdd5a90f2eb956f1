package ai.patchwork.trainer;

import java.security.SecureRandom;

/** Random ids in OpenAI's style: a prefix and 24 letters or digits, e.g. {@code ftjob-4Xq…}. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Ids() {}

    /** {@code prefix} followed by 24 random characters. */
    public static String next(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return sb.toString();
    }
}

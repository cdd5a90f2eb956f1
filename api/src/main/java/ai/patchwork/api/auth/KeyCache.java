package ai.patchwork.api.auth;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticated keys by the hash of their secret, each kept for {@code ttl}: a request with a cached key costs a
 * SHA-256 and a map lookup, no database round trip. {@link KeyEvents} evicts revoked keys as soon as the database
 * notifies the revocation; the time to live bounds what a lost notification can cost. Keys that do not authenticate
 * are not cached, so a stream of made-up keys cannot fill the memory.
 */
final class KeyCache {
    /** Entries beyond which the cache is emptied (far more keys than any installation uses within one ttl). */
    private static final int MAX_ENTRIES = 100_000;

    private record Entry(Caller caller, long expiresAt) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final KeyStore store;
    private final long ttlNanos;

    KeyCache(KeyStore store, Duration ttl) {
        this.store = store;
        this.ttlNanos = ttl.toNanos();
    }

    /** The caller the secret's hash authenticates, from the cache or else the database. */
    Optional<Caller> authenticate(String secretHash) {
        long now = System.nanoTime();
        Entry e = entries.get(secretHash);
        if (e != null && now - e.expiresAt() < 0) return Optional.of(e.caller());
        Optional<Caller> caller = store.authenticate(secretHash);
        if (caller.isEmpty()) {
            entries.remove(secretHash);
            return caller;
        }
        if (entries.size() >= MAX_ENTRIES) entries.clear();
        entries.put(secretHash, new Entry(caller.get(), now + ttlNanos));
        return caller;
    }

    /** Forgets one key (revoked or changed). */
    void evict(String secretHash) {
        entries.remove(secretHash);
    }

    /** Forgets every key (a project changed, or notifications may have been missed). */
    void clear() {
        entries.clear();
    }
}

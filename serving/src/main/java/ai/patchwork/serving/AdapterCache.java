package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.ResidentAdapter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The adapter tiers: device LoRA slots ← host memory (LRU, bounded in bytes) ← an {@link AdapterSource}
 * (S-LoRA's and vLLM's two-level cache).
 *
 * <ul>
 *   <li>Loads run on a loader executor, never on the engine loop: a request for a cold adapter waits for its own load
 *       while every other sequence keeps decoding. A request's adapter starts loading when it is submitted
 *       (prefetch), so the load overlaps its time in the queue. The loader also converts the adapter to the form the
 *       slots hold ({@link AdapterSlots#resident}: 16-bit integers, packed), which is the host copy: slots that take
 *       that form share its arrays, so an adapter in host memory and a slot costs its bytes once.
 *   <li>Nothing in use is evicted: an adapter with running sequences keeps its slot and its host copy, and an adapter
 *       that queued requests wait for keeps its host copy. The host bound is therefore soft when the working set
 *       exceeds it; idle adapters go first, least recently used first.
 *   <li>{@link #invalidate} (a new version or a deletion in the registry) takes effect at once for new work: the next
 *       admission loads the current version into a fresh slot. Sequences already running finish on the version they
 *       started with (a generation never mixes two versions' weights), then its slot is freed. Requests still queued
 *       get the new version.
 *   <li>{@link #pin} keeps an adapter in both tiers for good (the preload list).
 *   <li>Loads in flight count against the host bound: a source that knows an adapter's size before reading it
 *       reserves that size ({@link LoadBudget}), which evicts idle adapters at once and makes a load wait while other
 *       loads hold the room it needs; an adapter larger than the whole bound is refused unread.
 * </ul>
 *
 * One lock guards the bookkeeping; tensor writes ({@link DeviceTier#upload}) happen only on the engine loop.
 */
public final class AdapterCache {

    private final AdapterSource source;
    private final ModelConfig base;
    private final int maxRank;
    private final long hostBudget;
    private final Executor loader;
    private final Runnable onLoaded;
    private final CacheMetrics metrics;
    private final DeviceTier device;
    // Guarded by this. Recency is AdapterEntry.lastUsed on one clock, for both tiers.
    private final Map<String, AdapterEntry> entries = new HashMap<>();
    private final Map<String, Integer> demand = new HashMap<>();
    private final Set<String> pinned = new HashSet<>();
    private long hostBytes;
    private long reservedBytes; // host memory reserved by loads in flight (LoadBudget.reserve)
    private long clock;
    private long versions; // the last AdapterEntry#version handed out

    AdapterCache(
            AdapterSource source,
            ModelConfig base,
            AdapterSlots slots,
            long hostBudget,
            Executor loader,
            Runnable onLoaded,
            MeterRegistry registry) {
        this.source = source;
        this.base = base;
        this.maxRank = slots.maxRank();
        this.hostBudget = hostBudget;
        this.loader = loader;
        this.onLoaded = onLoaded;
        this.metrics = new CacheMetrics(registry);
        this.device = new DeviceTier(slots, metrics);
        Gauge.builder("patchwork.adapter.host.bytes", this, c -> c.stats().hostBytes())
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("patchwork.adapter.host.adapters", this, c -> c.stats().hostAdapters())
                .register(registry);
        Gauge.builder(
                        "patchwork.adapter.device.slots.used",
                        this,
                        c -> c.stats().deviceSlotsUsed())
                .register(registry);
        Gauge.builder("patchwork.adapter.device.bytes", device, DeviceTier::bytes)
                .baseUnit("bytes")
                .description("bytes the device slots' own adapter weights take, in the slots' storage; a slot sharing"
                        + " its adapter's host copy counts nothing here")
                .register(registry);
    }

    /** Starts loading an adapter into host memory if it is not there; completes when it is (or fails). */
    public CompletableFuture<Void> prefetch(String adapterId) {
        AdapterEntry e;
        synchronized (this) {
            e = use(adapterId);
        }
        return e.load.thenApply(w -> null);
    }

    /**
     * Keeps an adapter resident for good (in host memory now, in a device slot from its first use on). At least one
     * slot always stays unpinned.
     *
     * @throws IllegalStateException when pinning it would leave no unpinned slot
     */
    public CompletableFuture<Void> pin(String adapterId) {
        synchronized (this) {
            if (!pinned.contains(adapterId) && pinned.size() + 1 >= device.capacity()) {
                throw new IllegalStateException("cannot pin '" + adapterId + "': " + pinned.size() + " of "
                        + device.capacity() + " adapter slots are pinned and one must stay free for other adapters");
            }
            pinned.add(adapterId);
        }
        return prefetch(adapterId);
    }

    public synchronized void unpin(String adapterId) {
        pinned.remove(adapterId);
        evictHost();
    }

    /**
     * Drops the cached version: new admissions load the adapter again from the source; running sequences finish on
     * the old version, whose slot is then freed. A pinned adapter, or one that queued requests wait for, is reloaded
     * at once.
     */
    public void invalidate(String adapterId) {
        synchronized (this) {
            AdapterEntry e = entries.remove(adapterId);
            if (e == null) return;
            metrics.invalidation();
            e.retired = true;
            if (e.weights != null) hostBytes -= e.bytes;
            e.weights = null;
            if (e.idle()) device.free(e);
            if (pinned.contains(adapterId) || demand.getOrDefault(adapterId, 0) > 0) startLoad(adapterId);
        }
    }

    public synchronized boolean isHostResident(String adapterId) {
        AdapterEntry e = entries.get(adapterId);
        return e != null && e.weights != null;
    }

    public synchronized boolean isDeviceResident(String adapterId) {
        AdapterEntry e = entries.get(adapterId);
        return e != null && e.deviceSlot != 0;
    }

    /** The adapter ids whose current version is in host memory (those in a device slot included), for reporting. */
    public synchronized Set<String> residentAdapterIds() {
        Set<String> ids = new HashSet<>();
        for (AdapterEntry e : entries.values()) if (e.weights != null) ids.add(e.id);
        return Set.copyOf(ids);
    }

    public synchronized AdapterCacheStats stats() {
        int loading = 0;
        for (AdapterEntry e : entries.values()) if (e.weights == null) loading++;
        return new AdapterCacheStats(
                entries.size() - loading,
                hostBytes,
                hostBudget,
                loading,
                device.used(),
                device.capacity(),
                pinned.size());
    }

    /**
     * Converts {@code adapter} to the form the host tier keeps, as a load does, and drops the result: nothing is cached,
     * no budget or slot taken, no load counted. For a start-up warm-up, so that the first real load does not run the
     * conversion interpreted.
     */
    public void warmUp(LoraModules adapter) {
        device.resident(adapter, base);
    }

    /** A request for the adapter was queued: keep it in host memory until {@link #withdraw}, load it now if needed. */
    synchronized CompletableFuture<ResidentAdapter> request(String adapterId) {
        demand.merge(adapterId, 1, Integer::sum);
        AdapterEntry e = entries.get(adapterId);
        metrics.host(e != null && e.weights != null);
        return use(adapterId).load;
    }

    /** The queued request left the queue (admitted, cancelled or failed). */
    synchronized void withdraw(String adapterId) {
        demand.computeIfPresent(adapterId, (k, n) -> n > 1 ? n - 1 : null);
        evictHost();
    }

    /**
     * Engine loop only: a lease on the current version in a device slot, uploading it to a free or idle slot if
     * needed.
     *
     * @param own the load this request last waited on: if it failed, so does the request
     */
    synchronized Acquire tryAcquire(String adapterId, CompletableFuture<ResidentAdapter> own) {
        if (own != null && own.isCompletedExceptionally()) return Acquire.failed(cause(own));
        AdapterEntry e = use(adapterId);
        if (e.load.isCompletedExceptionally()) return Acquire.failed(cause(e.load));
        if (e.weights == null) return Acquire.loading(e.load);
        boolean resident = e.deviceSlot != 0;
        if (!resident) {
            int slot = device.allocate(this::isProtected);
            if (slot == 0) return Acquire.NO_SLOT;
            try {
                device.upload(slot, e);
            } catch (RuntimeException ex) {
                return Acquire.failed(new AdapterLoadException(
                        adapterId, "cannot place adapter '" + adapterId + "' in a LoRA slot: " + ex.getMessage(), ex));
            }
        }
        metrics.device(resident);
        e.running++;
        return Acquire.ready(new AdapterLease(e, e.deviceSlot));
    }

    /** Engine loop only: the sequence holding the lease finished. */
    synchronized void release(AdapterLease lease) {
        if (!lease.markReleased()) return;
        AdapterEntry e = lease.entry();
        e.running--;
        if (e.retired && e.idle()) device.free(e);
        evictHost();
    }

    /** Start-up only (before the loop runs): loads a pinned adapter into a device slot. */
    void preload(String adapterId) {
        pin(adapterId).join();
        synchronized (this) {
            AdapterEntry e = entries.get(adapterId);
            if (e != null && e.deviceSlot == 0) {
                int slot = device.allocate(this::isProtected);
                if (slot != 0) device.upload(slot, e);
            }
        }
    }

    private boolean isProtected(AdapterEntry e) {
        return pinned.contains(e.id);
    }

    /** The current entry, loading it if absent, marked as just used. */
    private AdapterEntry use(String adapterId) {
        AdapterEntry e = entries.get(adapterId);
        if (e == null) e = startLoad(adapterId);
        e.lastUsed = ++clock;
        return e;
    }

    private AdapterEntry startLoad(String adapterId) {
        AdapterEntry e = new AdapterEntry(adapterId, ++versions);
        e.lastUsed = ++clock; // before the load can complete (and evict) on a same-thread executor
        entries.put(adapterId, e);
        long start = System.nanoTime();
        Reservation reservation = new Reservation(adapterId);
        CompletableFuture.supplyAsync(() -> fetch(adapterId, reservation), loader)
                .whenComplete((w, err) -> {
                    loaded(e, w, err, System.nanoTime() - start, reservation);
                    onLoaded.run();
                });
        return e;
    }

    /** On a loader thread: loads the adapter and converts it to the form the slots take. */
    private ResidentAdapter fetch(String adapterId, Reservation reservation) {
        LoraModules w;
        try {
            w = source.load(adapterId, base, reservation);
        } catch (AdapterLoadException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new AdapterLoadException(
                    adapterId, "cannot load adapter '" + adapterId + "': " + ex.getMessage(), ex);
        }
        if (w == null)
            throw new AdapterLoadException(
                    adapterId, "the adapter source returned nothing for '" + adapterId + "'", null);
        if (w.rank() > maxRank) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' has LoRA rank " + w.rank() + ", more than this engine's maximum rank "
                            + maxRank + " (EngineConfig.maxLoraRank)",
                    null);
        }
        try {
            return device.resident(w, base);
        } catch (RuntimeException ex) {
            throw new AdapterLoadException(
                    adapterId, "cannot load adapter '" + adapterId + "': " + ex.getMessage(), ex);
        }
    }

    private synchronized void loaded(
            AdapterEntry e, ResidentAdapter w, Throwable err, long nanos, Reservation reservation) {
        reservedBytes -= reservation.bytes;
        reservation.bytes = 0;
        notifyAll(); // loads waiting for room
        metrics.loaded(err == null, nanos);
        boolean current = entries.get(e.id) == e;
        if (err != null) {
            if (current) entries.remove(e.id); // the next request tries again
            e.load.completeExceptionally(unwrap(err));
            return;
        }
        if (current && !e.retired) {
            e.weights = w;
            e.bytes = w.bytes();
            hostBytes += e.bytes;
            evictHost();
        }
        e.load.complete(w);
    }

    /**
     * A load's claim on host memory: {@link #reserve} counts the bytes against the bound until the load ends
     * ({@link #loaded}).
     */
    private final class Reservation implements LoadBudget {
        private final String adapterId;
        private long bytes; // guarded by the cache

        Reservation(String adapterId) {
            this.adapterId = adapterId;
        }

        @Override
        public int maxRank() {
            return maxRank;
        }

        @Override
        public int bytesPerWeight() {
            return device.bytesPerWeight();
        }

        @Override
        public void reserve(long size) throws InterruptedException {
            if (size < 0) throw new IllegalArgumentException("size must not be negative");
            if (size > hostBudget) {
                throw new AdapterLoadException(
                        adapterId,
                        "adapter '" + adapterId + "' needs " + size + " bytes of host memory, more than the adapter "
                                + "cache's whole budget of " + hostBudget + " bytes",
                        null);
            }
            synchronized (AdapterCache.this) {
                if (bytes > 0) throw new IllegalStateException("a load reserves once");
                evictHost(size);
                // Others' loads in flight hold the room: wait for them (a waiting load holds nothing, so no cycle).
                while (hostBytes + reservedBytes + size > hostBudget && reservedBytes > 0) {
                    AdapterCache.this.wait();
                    evictHost(size);
                }
                bytes = size;
                reservedBytes += size;
            }
        }
    }

    /** Evicts idle, unwanted, unpinned adapters, least recently used first, until the host bound holds. */
    private void evictHost() {
        evictHost(0);
    }

    /** Evicts until the adapters, the loads in flight and {@code extra} more bytes fit the bound, or nothing is idle. */
    private void evictHost(long extra) {
        while (hostBytes + reservedBytes + extra > hostBudget) {
            AdapterEntry victim = null;
            for (AdapterEntry e : entries.values()) {
                if (e.weights == null || !e.idle() || demand.containsKey(e.id) || pinned.contains(e.id)) continue;
                if (victim == null || e.lastUsed < victim.lastUsed) victim = e;
            }
            if (victim == null) return; // everything left is in use: the bound is soft
            entries.remove(victim.id);
            hostBytes -= victim.bytes;
            victim.weights = null;
            device.free(victim);
            metrics.hostEviction();
        }
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return new IllegalStateException("load did not fail");
        } catch (CompletionException | java.util.concurrent.CancellationException ex) {
            return unwrap(ex);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}

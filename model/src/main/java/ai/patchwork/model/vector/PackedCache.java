package ai.patchwork.model.vector;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import jdk.incubator.vector.FloatVector;

/**
 * A checkpoint's packed matrices on disk, so a later start reads them instead of packing them again. One file
 * per checkpoint content ({@link CheckpointHash}), quantization, SIMD width (the packed layout depends on it) and
 * format version, all in its name and its header:
 *
 * <pre>
 *   header (64 bytes): magic "PWPACK01", version, SIMD lanes, matrices, quantization, file length, CRC-32C
 *   table (32 bytes a matrix, in load order): precision, n, k, offset of the values, offset of the scales or 0
 *   data: each matrix's values (and int8 scales), each at a multiple of 4096 bytes
 * </pre>
 *
 * A file is written under a temporary name and renamed into place once complete, so a crash leaves no partial file
 * under the real name; a file whose header, table or length does not check out is ignored and rewritten.
 */
final class PackedCache {

    /** Bytes read from the file per call. */
    private static final int READ_CHUNK = 64 << 20;

    static final int VERSION = 2;
    private static final long MAGIC = 0x3130_4B43_4150_5750L; // "PWPACK01" little-endian
    private static final int HEADER = 64;
    private static final int ENTRY = 32;
    private static final long ALIGN = 4096;
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final System.Logger LOG = System.getLogger(PackedCache.class.getName());

    private PackedCache() {}

    /**
     * The cache file of a checkpoint's content hash, a quantization and a layout ({@code blocked}: BF16 projections in
     * oneDNN's layout, {@link OneDnn#pack}).
     */
    static Path file(Path dir, String hash, Quantization q, boolean blocked) {
        String layout = blocked ? "-onednn" : "";
        return dir.resolve(hash + "-" + q.name().toLowerCase(Locale.ROOT) + layout + "-v" + VERSION + "-lanes" + LANES
                + ".packed");
    }

    /**
     * The matrices in {@code file}, read into memory of {@code arena}'s ({@link OffHeap}), or null when it is absent or
     * invalid. Read rather than mapped: the file's pages are 4 KB ones, which a step streaming gigabytes of
     * weights misses the TLB on 512 times as often as on the copy's huge pages, and which the kernel may evict and read
     * back from disk under memory pressure. So the whole file is read at load, not as the first steps touch it.
     */
    static List<PackedMatrix> read(Path file, Quantization q, Arena arena) {
        if (!Files.isRegularFile(file)) return null;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) return invalid(file, "shorter than its header");
            String why;
            try (Arena probe = Arena.ofConfined()) { // checked in a mapping of its own: nothing stays if it is invalid
                why = check(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, probe), size, q);
            }
            if (why != null) return invalid(file, why);
            MemorySegment m = OffHeap.allocate(size, arena);
            for (long at = 0; at < size; ) { // read, not mapped and copied: no page of the file counts as resident
                ByteBuffer b = m.asSlice(at, Math.min(READ_CHUNK, size - at)).asByteBuffer();
                while (b.hasRemaining()) {
                    if (ch.read(b, at + b.position()) < 0) return invalid(file, "shorter than it says");
                }
                at += b.capacity();
            }
            int count = m.get(INT, 16);
            List<PackedMatrix> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long e = HEADER + (long) i * ENTRY;
                Precision precision = Precision.values()[m.get(INT, e)];
                int n = m.get(INT, e + 4);
                int k = m.get(INT, e + 8);
                long scales = m.get(LONG, e + 24);
                out.add(new PackedMatrix(
                        m.asSlice(m.get(LONG, e + 16), (long) n * k * precision.bytes()),
                        scales == 0 ? null : m.asSlice(scales, PackedMatrix.scaleBytes(precision, n, k)),
                        precision,
                        n,
                        k));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return invalid(file, e.toString());
        }
    }

    /** Why the mapped file {@code m} cannot be used, or null when its header and table check out. */
    private static String check(MemorySegment m, long size, Quantization q) {
        if (m.get(LONG, 0) != MAGIC
                || m.get(INT, 8) != VERSION
                || m.get(INT, 12) != LANES
                || m.get(INT, 20) != q.ordinal()) {
            return "another format, version, SIMD width or quantization";
        }
        int count = m.get(INT, 16);
        if (count <= 0 || HEADER + (long) count * ENTRY > size || m.get(LONG, 24) != size) {
            return "truncated or of the wrong length";
        }
        if (m.get(INT, 32) != crc(m, count)) return "its header does not match its checksum";
        for (int i = 0; i < count; i++) {
            long e = HEADER + (long) i * ENTRY;
            int p = m.get(INT, e);
            if (p < 0 || p >= Precision.values().length) return "an unknown precision";
            int n = m.get(INT, e + 4);
            int k = m.get(INT, e + 8);
            long values = m.get(LONG, e + 16);
            long scales = m.get(LONG, e + 24);
            if (n <= 0 || k <= 0 || values < HEADER || values % ALIGN != 0 || scales % ALIGN != 0) {
                return "a matrix of no size or out of place";
            }
            long valueBytes = (long) n * k * Precision.values()[p].bytes();
            if (values + valueBytes > size
                    || (scales != 0 && scales + PackedMatrix.scaleBytes(Precision.values()[p], n, k) > size)) {
                return "a matrix past the end of the file";
            }
        }
        return null;
    }

    /**
     * Writes {@code matrices} to {@code file}: to a temporary file beside it, forced to disk, then renamed into place.
     * A failure (a full disk, a read-only folder) leaves no file behind and is logged: the cache only saves time.
     */
    static void write(Path file, Quantization q, List<PackedMatrix> matrices) {
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            int count = matrices.size();
            long at = align(HEADER + (long) count * ENTRY);
            MemorySegment head = Arena.ofAuto().allocate(at);
            for (int i = 0; i < count; i++) {
                PackedMatrix pm = matrices.get(i);
                long e = HEADER + (long) i * ENTRY;
                head.set(INT, e, pm.precision().ordinal());
                head.set(INT, e + 4, pm.n());
                head.set(INT, e + 8, pm.k());
                head.set(LONG, e + 16, at);
                at = align(at + pm.values().byteSize());
                if (pm.scales() != null) {
                    head.set(LONG, e + 24, at);
                    at = align(at + pm.scales().byteSize());
                }
            }
            head.set(LONG, 0, MAGIC);
            head.set(INT, 8, VERSION);
            head.set(INT, 12, LANES);
            head.set(INT, 16, count);
            head.set(INT, 20, q.ordinal());
            head.set(LONG, 24, at);
            head.set(INT, 32, crc(head, count));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writeFully(ch, head.asByteBuffer(), 0);
                for (int i = 0; i < count; i++) {
                    PackedMatrix pm = matrices.get(i);
                    long e = HEADER + (long) i * ENTRY;
                    writeFully(ch, pm.values().asByteBuffer(), head.get(LONG, e + 16));
                    if (pm.scales() != null) writeFully(ch, pm.scales().asByteBuffer(), head.get(LONG, e + 24));
                }
                if (ch.size() < at) writeFully(ch, ByteBuffer.allocate(1), at - 1); // the last alignment padding
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the packed weights to " + file + ": " + e);
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do: the next start tries again
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) at += ch.write(b, at);
    }

    /** CRC-32C of the header's first 32 bytes and the table. */
    private static int crc(MemorySegment m, int count) {
        CRC32C c = new CRC32C();
        c.update(m.asSlice(0, 32).asByteBuffer());
        c.update(m.asSlice(HEADER, (long) count * ENTRY).asByteBuffer());
        return (int) c.getValue();
    }

    private static long align(long at) {
        return (at + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static List<PackedMatrix> invalid(Path file, String why) {
        LOG.log(System.Logger.Level.WARNING, "ignoring the packed weights in " + file + " (" + why + "); repacking");
        return null;
    }
}

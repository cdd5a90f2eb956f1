package ai.patchwork.registry;

import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import ai.patchwork.registry.store.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * What one pass over an {@code adapter_model.safetensors} finds, read as it arrives (and copied on the way when it is
 * being received): its first bytes, its parsed header or why it does not parse, the first tensor holding NaN or an
 * infinity, and its sha256. Nothing is refused here: {@link PeftValidator} raises the findings in its own order, so a
 * bad config is reported before bad weights whichever way the files came.
 *
 * @param first up to the first 9 bytes (a pickle's signature, or the header length and its first character)
 * @param header the parsed header, or null when it does not parse
 * @param headerError why the header does not parse, or null
 * @param nonFinite the first tensor with a value that is not finite, or null
 * @param hash the sha256 and size of all the bytes
 */
public record WeightsScan(
        byte[] first, SafetensorsHeader header, RuntimeException headerError, String nonFinite, ContentHash hash) {
    private static final int BLOCK = 1 << 16; // a multiple of every width, so no value straddles two blocks

    /** Reads a file once. */
    public static WeightsScan of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return scan(in, Files.size(file), OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Reads {@code size} bytes from {@code in} once, writing them to {@code copy} as it goes. */
    public static WeightsScan copy(InputStream in, long size, Path copy) throws IOException {
        try (OutputStream out = Files.newOutputStream(copy)) {
            return scan(in, size, out);
        }
    }

    /**
     * Reads {@code in} to its end once, writing the bytes to {@code copy} as it goes: for a stream whose length is
     * known only at its end (a part of a multipart body). The header is checked against that length then.
     */
    public static WeightsScan copy(InputStream in, Path copy) throws IOException {
        try (OutputStream out = Files.newOutputStream(copy)) {
            return scan(in, UNKNOWN, out);
        }
    }

    private static final long UNKNOWN = -1;

    /** One pass; with a size {@link #UNKNOWN} until the end, the header's offsets are checked again then. */
    private static WeightsScan scan(InputStream in, long size, OutputStream out) throws IOException {
        Pass pass = new Pass(in, out);
        long bound = size == UNKNOWN ? Long.MAX_VALUE : size;
        byte[] lengthBytes = pass.read(Math.min(8, bound));
        SafetensorsHeader header = null;
        RuntimeException error = null;
        byte[] first = lengthBytes;
        byte[] json = null;
        try {
            long n = SafetensorsHeader.headerLength(ByteBuffer.wrap(lengthBytes), bound);
            json = pass.read(n);
            first = Arrays.copyOf(lengthBytes, Math.min(9, 8 + json.length));
            if (json.length > 0) first[8] = json[0];
            header = SafetensorsHeader.parse(json, bound);
        } catch (RuntimeException e) {
            error = e;
        }
        if (first.length < 9 && pass.position < bound) first = pass.extend(first, 9);
        String nonFinite = header == null ? null : pass.tensors(header);
        pass.rest();
        if (size == UNKNOWN) {
            try { // the same checks against the length now known, so the same findings as a file of that length
                SafetensorsHeader.headerLength(ByteBuffer.wrap(lengthBytes), pass.position);
                if (json != null) header = SafetensorsHeader.parse(json, pass.position);
            } catch (RuntimeException e) {
                header = null;
                error = e;
                nonFinite = null;
            }
        }
        return new WeightsScan(first, header, error, nonFinite, pass.hash());
    }

    /** The bytes as they pass: hashed, counted, copied. */
    private static final class Pass {
        private final InputStream in;
        private final OutputStream out;
        private final MessageDigest md = ContentHash.sha256Digest();
        private final byte[] buf = new byte[BLOCK];
        private long position;

        Pass(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        /** The next {@code n} bytes (fewer at the end of the stream), passed on. */
        byte[] read(long n) throws IOException {
            byte[] b = in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 8));
            pass(b, b.length);
            return b;
        }

        /** {@code first} and the bytes after it up to {@code length} in all (a short file's signature). */
        byte[] extend(byte[] first, int length) throws IOException {
            byte[] more = read(length - first.length);
            byte[] all = Arrays.copyOf(first, first.length + more.length);
            System.arraycopy(more, 0, all, first.length, more.length);
            return all;
        }

        /** Passes the data section tensor by tensor; returns the first tensor with a non-finite value, or null. */
        String tensors(SafetensorsHeader header) throws IOException {
            String nonFinite = null;
            List<TensorInfo> byOffset = header.tensors().values().stream()
                    .sorted(Comparator.comparingLong(TensorInfo::begin))
                    .toList();
            for (TensorInfo t : byOffset) {
                long begin = header.dataStart() + t.begin();
                if (begin < position) continue; // overlapping tensors: the header check refuses them
                skipTo(begin);
                long end = header.dataStart() + t.end();
                while (position < end) {
                    int n = block(end - position);
                    if (n == 0) return nonFinite; // shorter than its header says: the hash will not match its size
                    if (nonFinite == null
                            && !FiniteWeights.finite(
                                    ByteBuffer.wrap(buf, 0, n).order(ByteOrder.LITTLE_ENDIAN), t.dtype())) {
                        nonFinite = t.name();
                    }
                }
            }
            return nonFinite;
        }

        void rest() throws IOException {
            while (block(BLOCK) > 0) {}
        }

        private void skipTo(long at) throws IOException {
            while (position < at) if (block(at - position) == 0) return;
        }

        /** Reads and passes up to {@code max} bytes into {@link #buf}; 0 at the end of the stream. */
        private int block(long max) throws IOException {
            int n = in.readNBytes(buf, 0, (int) Math.min(max, BLOCK));
            pass(buf, n);
            return n;
        }

        private void pass(byte[] b, int n) throws IOException {
            md.update(b, 0, n);
            out.write(b, 0, n);
            position += n;
        }

        ContentHash hash() {
            return new ContentHash(HexFormat.of().formatHex(md.digest()), position);
        }
    }
}

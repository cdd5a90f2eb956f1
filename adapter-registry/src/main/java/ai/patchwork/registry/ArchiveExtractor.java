package ai.patchwork.registry;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an uploaded {@code .zip} or {@code .tar.gz} and extracts the adapter's files, from the archive's top or from
 * one folder. Every entry name is checked first: an absolute path, a {@code ..} segment (zip-slip) or a link rejects
 * the whole archive. Extracted files get names of our own in the work folder, never the entry's, and extraction stops
 * at the size limits however large the entries claim to be (zip bombs).
 *
 * <p>Decompression is bounded for the archive as a whole, not only per entry: a zip is read through its central
 * directory, so its entry count, declared sizes and compression ratios are checked before any byte is inflated, and
 * only the wanted entries are ever decompressed; a {@code .tar.gz} must be decompressed in order to reach its entries,
 * so every decompressed byte, skipped ones included, counts against {@link RegistryLimits#maxArchiveUncompressedBytes}
 * and the ratio to the compressed bytes read.
 */
final class ArchiveExtractor {
    private static final Set<String> WANTED = Set.of(PeftValidator.CONFIG, PeftValidator.WEIGHTS, PeftValidator.PICKLE);
    private static final Pattern DRIVE = Pattern.compile("[A-Za-z]:.*");

    private final RegistryLimits limits;

    ArchiveExtractor(RegistryLimits limits) {
        this.limits = limits;
    }

    AdapterFiles.Peft extract(AdapterFiles.Archive archive, Path workDir) {
        String name = archive.filename();
        try {
            long size = Files.size(archive.file());
            if (size == 0) throw RegistryException.invalid("archive", "empty_file", "archive '" + name + "' is empty");
            if (size > limits.maxArchiveBytes()) {
                throw RegistryException.tooLarge(
                        "archive",
                        "archive '" + name + "' is " + size + " bytes, over the limit of " + limits.maxArchiveBytes()
                                + " bytes");
            }
            Layout layout = new Layout(name, workDir);
            int b0;
            int b1;
            try (InputStream in = Files.newInputStream(archive.file())) {
                b0 = in.read();
                b1 = in.read();
            }
            if (b0 == 'P' && b1 == 'K') readZip(archive.file(), layout);
            else if (b0 == 0x1f && b1 == 0x8b) readTarGz(archive.file(), layout);
            else {
                throw RegistryException.invalid(
                        "archive", "invalid_archive", "archive '" + name + "' is neither a .zip nor a .tar.gz");
            }
            return layout.choose();
        } catch (IOException e) {
            throw RegistryException.invalid(
                    "archive", "invalid_archive", "archive '" + name + "' cannot be read: " + e.getMessage());
        }
    }

    private void readZip(Path file, Layout layout) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() > limits.maxArchiveEntries()) throw layout.tooManyEntries();
            long declared = 0;
            for (var it = zip.entries().asIterator(); it.hasNext(); ) {
                ZipEntry e = it.next();
                declared += Math.max(e.getSize(), 0);
                if (declared > limits.maxArchiveUncompressedBytes()) throw layout.tooLarge();
                if (e.getSize() > 0
                        && e.getSize() > (long) limits.maxCompressionRatio() * Math.max(e.getCompressedSize(), 1)
                        && e.getSize() > RATIO_FLOOR) {
                    throw layout.bomb("entry '" + e.getName() + "' claims " + e.getSize() + " bytes from "
                            + e.getCompressedSize());
                }
            }
            for (var it = zip.entries().asIterator(); it.hasNext(); ) {
                ZipEntry e = it.next();
                layout.entry(e.getName(), e.isDirectory(), false, true, () -> zip.getInputStream(e));
            }
        } catch (ZipException e) {
            throw RegistryException.invalid(
                    "archive",
                    "invalid_archive",
                    "archive '" + layout.archive + "' is not a " + "readable zip: " + e.getMessage());
        }
    }

    private void readTarGz(Path file, Layout layout) throws IOException {
        try (CountingStream compressed = new CountingStream(new BufferedInputStream(Files.newInputStream(file)));
                CountingStream plain = new CountingStream(new GZIPInputStream(compressed, 1 << 16));
                TarArchiveInputStream tar = new TarArchiveInputStream(plain)) {
            plain.onRead = () -> {
                if (plain.count > limits.maxArchiveUncompressedBytes()) throw layout.tooLarge();
                if (plain.count > RATIO_FLOOR && plain.count > (long) limits.maxCompressionRatio() * compressed.count) {
                    throw layout.bomb(plain.count + " bytes decompressed from " + compressed.count);
                }
            };
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                layout.entry(
                        e.getName(),
                        e.isDirectory(),
                        e.isSymbolicLink() || e.isLink(),
                        e.isFile() || e.isDirectory(),
                        () -> tar);
            }
        }
    }

    /** Archives that decompress to less than this are not checked for their ratio (small files compress well). */
    private static final long RATIO_FLOOR = 1 << 20;

    /** An entry's bytes, opened only for an entry that is extracted. */
    @FunctionalInterface
    private interface Content {
        InputStream open() throws IOException;
    }

    /** Counts the bytes read through it and checks them after every read. */
    private static final class CountingStream extends FilterInputStream {
        long count;
        Runnable onRead = () -> {};

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) counted(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) counted(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) counted(skipped);
            return skipped;
        }

        private void counted(long n) {
            count += n;
            onRead.run();
        }
    }

    /** The wanted files found so far, by folder ("" for the top). */
    private final class Layout {
        private final String archive;
        private final Path workDir;
        private final Map<String, Map<String, Path>> folders = new TreeMap<>();
        private int entries;
        private long extracted;

        Layout(String archive, Path workDir) {
            this.archive = archive;
            this.workDir = workDir;
        }

        RegistryException tooManyEntries() {
            return RegistryException.invalid(
                    "archive",
                    "invalid_archive",
                    "archive '" + archive + "' has more than " + limits.maxArchiveEntries() + " entries");
        }

        RegistryException tooLarge() {
            return RegistryException.tooLarge(
                    "archive",
                    "archive '" + archive + "' decompresses to more than " + limits.maxArchiveUncompressedBytes()
                            + " bytes");
        }

        RegistryException bomb(String detail) {
            return RegistryException.tooLarge(
                    "archive",
                    "archive '" + archive + "' decompresses more than "
                            + limits.maxCompressionRatio() + " times its compressed size (" + detail
                            + "); refused as a "
                            + "decompression bomb");
        }

        void entry(String raw, boolean directory, boolean link, boolean regular, Content content) throws IOException {
            if (++entries > limits.maxArchiveEntries()) throw tooManyEntries();
            String name = safeName(raw);
            if (link) throw unsafe("archive entry '" + raw + "' is a link; links are not allowed");
            if (!regular) throw unsafe("archive entry '" + raw + "' is not a regular file or folder");
            if (directory || name.isEmpty()) return;
            String[] parts = name.split("/");
            String base = parts[parts.length - 1];
            if (!WANTED.contains(base) || parts.length > 2) return;
            String folder = parts.length == 2 ? parts[0] : "";
            Map<String, Path> files = folders.computeIfAbsent(folder, f -> new TreeMap<>());
            if (files.containsKey(base)) throw unsafe("archive '" + archive + "' holds '" + name + "' twice");
            Path target = workDir.resolve("entry-" + entries);
            long limit = base.equals(PeftValidator.CONFIG) ? limits.maxConfigBytes() : limits.maxWeightsBytes();
            InputStream in = content.open();
            extracted += copy(in, target, limit, limits.maxArchiveUncompressedBytes() - extracted, raw);
            files.put(base, target);
        }

        AdapterFiles.Peft choose() {
            var withConfig = folders.entrySet().stream()
                    .filter(f -> f.getValue().containsKey(PeftValidator.CONFIG))
                    .toList();
            if (withConfig.size() > 1) {
                throw RegistryException.invalid(
                        "archive",
                        "invalid_archive",
                        "archive '" + archive + "' holds more than one "
                                + "adapter (folders "
                                + String.join(
                                        ", ",
                                        withConfig.stream()
                                                .map(f -> "'" + f.getKey() + "/'")
                                                .toList())
                                + "); upload one at a time");
            }
            if (withConfig.isEmpty()) {
                if (folders.values().stream().anyMatch(f -> f.containsKey(PeftValidator.PICKLE))) {
                    throw PeftValidator.pickle(PeftValidator.PICKLE);
                }
                throw RegistryException.invalid(
                        "archive",
                        "missing_file",
                        "archive '" + archive + "' holds no " + PeftValidator.CONFIG
                                + " (at its top or inside one folder)");
            }
            Map<String, Path> files = withConfig.getFirst().getValue();
            if (!files.containsKey(PeftValidator.WEIGHTS)) {
                if (files.containsKey(PeftValidator.PICKLE)) throw PeftValidator.pickle(PeftValidator.PICKLE);
                throw RegistryException.invalid(
                        "archive",
                        "missing_file",
                        "archive '" + archive + "' has " + PeftValidator.CONFIG + " but no " + PeftValidator.WEIGHTS
                                + " beside it");
            }
            return new AdapterFiles.Peft(
                    files.get(PeftValidator.CONFIG), files.get(PeftValidator.WEIGHTS), PeftValidator.WEIGHTS);
        }

        /** The entry name without "./" and empty segments; refuses names that could land outside the archive. */
        private String safeName(String raw) {
            if (raw.indexOf('\0') >= 0)
                throw unsafe("archive entry '" + raw.replace('\0', '?') + "' has a NUL character");
            String n = raw.replace('\\', '/');
            if (n.startsWith("/") || DRIVE.matcher(n).matches()) {
                throw unsafe("archive entry '" + raw + "' has an absolute path; entries must stay inside the archive");
            }
            StringBuilder clean = new StringBuilder();
            for (String seg : n.split("/")) {
                if (seg.equals("..")) {
                    throw unsafe("archive entry '" + raw + "' escapes the archive ('..' in its path, a zip-slip)");
                }
                if (seg.isEmpty() || seg.equals(".")) continue;
                if (!clean.isEmpty()) clean.append('/');
                clean.append(seg);
            }
            return clean.toString();
        }

        /** Copies one entry, at most {@code limit} bytes and {@code left} of the archive's total; the bytes copied. */
        private long copy(InputStream in, Path target, long limit, long left, String entry) throws IOException {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            try (OutputStream out = Files.newOutputStream(target)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > limit) {
                        throw RegistryException.tooLarge(
                                "archive", "archive entry '" + entry + "' is over the limit of " + limit + " bytes");
                    }
                    if (total > left) throw tooLarge();
                    out.write(buf, 0, n);
                }
            }
            return total;
        }

        private RegistryException unsafe(String message) {
            return RegistryException.invalid("archive", "unsafe_archive", message);
        }
    }
}

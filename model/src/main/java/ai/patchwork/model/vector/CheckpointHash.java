package ai.patchwork.model.vector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The content hash of a model folder: SHA-256 over the name and SHA-256 of each file the CPU runtime's weights come
 * from (config.json, the safetensors index and every {@code .safetensors} file), so it changes whenever a byte of them
 * does. Hashing gigabytes takes seconds, so each file's hash is remembered under {@code memoDir} keyed by its real
 * path, size and modification time: a later start finds the hash of unchanged files without reading them. A file
 * rewritten in place with the same size within the file system's timestamp resolution would go unnoticed, as it does
 * for make and rsync.
 */
final class CheckpointHash {

    private static final int CHUNK = 4 << 20;

    private CheckpointHash() {}

    /** The folder's hash from remembered file hashes, or null when a file is new or changed since it was hashed. */
    static String known(Path memoDir, Path modelDir) {
        try {
            MessageDigest folder = sha256();
            for (Path f : files(modelDir)) {
                Path memo = memo(memoDir, f);
                if (!Files.isRegularFile(memo)) return null;
                String hash = Files.readString(memo, StandardCharsets.US_ASCII).strip();
                if (!hash.matches("[0-9a-f]{64}")) return null;
                add(folder, f, hash);
            }
            return HexFormat.of().formatHex(folder.digest());
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads every file to hash the folder, and remembers each file's hash for {@link #known}. */
    static String compute(Path memoDir, Path modelDir) {
        try {
            MessageDigest folder = sha256();
            for (Path f : files(modelDir)) {
                Path memo = memo(memoDir, f);
                String hash = hash(f);
                Files.createDirectories(memo.getParent());
                Path tmp = Files.createTempFile(
                        memo.getParent(), memo.getFileName().toString(), ".tmp");
                Files.writeString(tmp, hash + "\n", StandardCharsets.US_ASCII);
                Files.move(tmp, memo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                add(folder, f, hash);
            }
            return HexFormat.of().formatHex(folder.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash the model folder " + modelDir, e);
        }
    }

    /** config.json, model.safetensors.index.json and the .safetensors files, by name. */
    static List<Path> files(Path modelDir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(modelDir)) {
            s.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals("config.json")
                                || n.equals("model.safetensors.index.json")
                                || n.endsWith(".safetensors");
                    })
                    .filter(Files::isRegularFile)
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }

    private static void add(MessageDigest folder, Path f, String hash) {
        folder.update((f.getFileName() + "\0" + hash + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Where the hash of {@code f} as it is now (real path, size, modification time) is remembered. */
    private static Path memo(Path memoDir, Path f) throws IOException {
        Path real = f.toRealPath();
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        String id = real + "\0" + a.size() + "\0" + a.lastModifiedTime().toInstant() + "\0" + a.fileKey();
        byte[] name = sha256().digest(id.getBytes(StandardCharsets.UTF_8));
        return memoDir.resolve("hashes").resolve(HexFormat.of().formatHex(name) + ".sha256");
    }

    private static String hash(Path f) throws IOException {
        MessageDigest d = sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel ch = FileChannel.open(f)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                d.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }
}

package ai.patchwork.registry.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Hashes what it reads and fails at the end of the stream unless the content is the expected one. */
final class VerifyingInputStream extends FilterInputStream {
    private final ContentHash expected;
    private final String what;
    private final MessageDigest md = ContentHash.sha256Digest();
    private long size;
    private boolean verified;

    VerifyingInputStream(InputStream in, ContentHash expected, String what) {
        super(in);
        this.expected = expected;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) verify();
        else {
            md.update((byte) b);
            size++;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n < 0) verify();
        else {
            md.update(buf, off, n);
            size += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return Math.max(0, read(new byte[(int) Math.min(Math.max(n, 0), 1 << 16)]));
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void verify() throws IOException {
        if (verified) return;
        verified = true;
        String sha = HexFormat.of().formatHex(md.digest());
        if (size != expected.size() || !sha.equals(expected.sha256())) {
            throw new IOException(what + " is corrupt: expected " + expected.size() + " bytes with sha256 "
                    + expected.sha256() + ", read " + size + " bytes with sha256 " + sha);
        }
    }
}

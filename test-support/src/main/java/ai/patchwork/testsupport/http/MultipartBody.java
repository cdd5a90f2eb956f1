package ai.patchwork.testsupport.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A {@code multipart/form-data} request body of text fields and files, for {@code java.net.http}. */
public final class MultipartBody {
    private final String boundary = "patchwork-" + UUID.randomUUID();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    private MultipartBody() {}

    public static MultipartBody create() {
        return new MultipartBody();
    }

    /** Adds a text field. */
    public MultipartBody field(String name, String value) {
        part("Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n", value.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Adds a file part with content type {@code application/octet-stream}. */
    public MultipartBody file(String name, String filename, byte[] content) {
        part(
                "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n",
                content);
        return this;
    }

    /** The value of the {@code Content-Type} header. */
    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The body, closed with the final boundary. */
    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(body.toByteArray());
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    public HttpRequest.BodyPublisher publisher() {
        return HttpRequest.BodyPublishers.ofByteArray(bytes());
    }

    private void part(String headers, byte[] content) {
        body.writeBytes(("--" + boundary + "\r\n" + headers).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
}

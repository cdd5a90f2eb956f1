package ai.patchwork.api.web;

/** The {@code type} values of OpenAI's error envelope. */
public final class ErrorTypes {
    /** Anything wrong with the request, including unknown resources (404) and size limits (413). */
    public static final String INVALID_REQUEST = "invalid_request_error";
    /** Missing or wrong credentials. */
    public static final String AUTHENTICATION = "authentication_error";
    /** The server or a service it depends on failed. */
    public static final String SERVER = "server_error";

    private ErrorTypes() {}
}

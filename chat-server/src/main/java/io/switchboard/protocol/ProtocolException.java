package io.switchboard.protocol;

/** A client frame that cannot be served; becomes an {@code error} frame. */
public class ProtocolException extends RuntimeException {

    private final ErrorCode code;
    private final String ref;

    public ProtocolException(ErrorCode code, String message, String ref) {
        super(message);
        this.code = code;
        this.ref = ref;
    }

    public ErrorCode code() {
        return code;
    }

    public String ref() {
        return ref;
    }

    public ServerFrame.Error toFrame() {
        return new ServerFrame.Error(code, getMessage(), ref);
    }
}

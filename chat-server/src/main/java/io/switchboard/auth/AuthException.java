package io.switchboard.auth;

/** A token that proves nothing: missing, malformed, badly signed, expired, or for someone else. */
public final class AuthException extends RuntimeException {

    public AuthException(String message) {
        super(message, null, false, false);
    }
}

package io.switchboard.api;

import org.springframework.http.HttpStatus;

/** A request the API refuses: answered as problem+json (RFC 9457) with {@code status} and {@code detail}. */
final class ApiException extends RuntimeException {

    final HttpStatus status;

    ApiException(HttpStatus status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }
}

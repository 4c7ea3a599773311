package io.switchboard.api;

import io.switchboard.protocol.FrameCodec;
import org.springframework.http.HttpStatus;

/** The server API's checks of what a path names, shared by its controllers; a refusal is a 400. */
final class Inputs {

    private static final int MAX_USER = 256;

    private Inputs() {
    }

    /** A room by the protocol's rule. */
    static String room(String room) {
        if (!FrameCodec.isId(room)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "a room is 1-64 characters of A-Z a-z 0-9 _ - . :");
        }
        return room;
    }

    /** A user as a token's {@code sub} or an anonymous name may be. */
    static String user(String user) {
        if (user == null || user.isEmpty() || user.length() > MAX_USER
                || user.codePoints().anyMatch(Character::isISOControl)) {
            throw new ApiException(HttpStatus.BAD_REQUEST,
                    "a user is 1-" + MAX_USER + " characters without control characters");
        }
        return user;
    }
}

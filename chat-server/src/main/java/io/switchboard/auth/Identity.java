package io.switchboard.auth;

import java.time.Instant;

/**
 * Who a connection is: the user its token proved (null when anonymous), the name shown for it, when
 * its token expires (null when anonymous) and the rooms it may enter.
 */
public record Identity(String user, String name, Instant expiresAt, RoomAccess access) {

    public boolean anonymous() {
        return user == null;
    }
}

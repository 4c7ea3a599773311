package io.switchboard.auth;

import java.util.List;
import java.util.stream.Stream;
import org.springframework.util.PatternMatchUtils;

/**
 * The rooms one connection may enter: the public ones ({@code switchboard.auth.public-rooms}) and
 * those its token grants. A pattern is a room name in which {@code *} stands for any run of
 * characters ({@code team-*}, {@code dm:ada:*}); room names cannot contain {@code *}.
 */
public final class RoomAccess {

    private final String[] patterns;
    private final boolean everyRoom;

    public RoomAccess(List<String> publicRooms, List<String> granted) {
        this.patterns = Stream.concat(publicRooms.stream(), granted.stream())
                .map(String::strip).filter(pattern -> !pattern.isEmpty()).distinct().toArray(String[]::new);
        this.everyRoom = List.of(patterns).contains("*");
    }

    public boolean allows(String room) {
        return everyRoom || PatternMatchUtils.simpleMatch(patterns, room);
    }
}

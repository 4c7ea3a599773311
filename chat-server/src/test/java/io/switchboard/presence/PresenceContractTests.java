package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.Member;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Presence} guarantees, run over every implementation. */
abstract class PresenceContractTests {

    private static final Member ADA = new Member("ada-id", "Ada", "n1");
    private static final Member BOB = new Member("bob-id", "Bob", "n2");

    protected Presence presence;
    private String room;

    /** A fresh presence; rooms must not leak between tests. */
    protected abstract Presence createPresence();

    @BeforeEach
    void setUpPresence() {
        presence = createPresence();
        room = "room-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void answersAJoinWithTheMembersIncludingTheJoiner() {
        assertThat(get(presence.join(room, ADA))).containsExactly(ADA);
        assertThat(get(presence.join(room, BOB))).containsExactlyInAnyOrder(ADA, BOB);
        assertThat(get(presence.members(room))).containsExactlyInAnyOrder(ADA, BOB);
    }

    @Test
    void listsAMemberWhoJoinedTwiceOnce() {
        get(presence.join(room, ADA));
        assertThat(get(presence.join(room, ADA))).containsExactly(ADA);
    }

    @Test
    void removesOnlyTheMemberWhoLeft() {
        get(presence.join(room, ADA));
        get(presence.join(room, BOB));
        get(presence.leave(room, ADA));
        assertThat(get(presence.members(room))).containsExactly(BOB);
        get(presence.leave(room, BOB));
        assertThat(get(presence.members(room))).isEmpty();
    }

    @Test
    void appliesCallsForARoomInTheOrderTheyWereMade() {
        get(presence.join(room, ADA));
        CompletableFuture<Void> left = presence.leave(room, ADA);
        List<Member> members = get(presence.join(room, ADA));
        get(left);
        assertThat(members).containsExactly(ADA);
        assertThat(get(presence.members(room))).containsExactly(ADA);
    }

    @Test
    void listsNobodyInARoomNobodyJoined() {
        assertThat(get(presence.members(room))).isEmpty();
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

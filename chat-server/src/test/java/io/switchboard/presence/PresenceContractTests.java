package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.Member;
import io.switchboard.support.Unique;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Presence} guarantees, run over every implementation. */
abstract class PresenceContractTests {

    private static final Member ADA = new Member("ada-id", "Ada", "n1");
    private static final Member BOB = new Member("bob-id", "Bob", "n2");
    /** Every implementation is created with this list limit. */
    protected static final int LIST_LIMIT = 3;

    protected Presence presence;
    private String room;

    /** A fresh presence; rooms must not leak between tests. */
    protected abstract Presence createPresence();

    @BeforeEach
    void setUpPresence() {
        presence = createPresence();
        room = Unique.name("room");
    }

    @Test
    void answersAJoinWithTheMembersIncludingTheJoiner() {
        assertThat(get(presence.join(room, ADA)).members()).containsExactly(ADA);
        Roster roster = get(presence.join(room, BOB));
        assertThat(roster.members()).containsExactlyInAnyOrder(ADA, BOB);
        assertThat(roster.count()).isEqualTo(2);
        assertThat(get(presence.members(room)).members()).containsExactlyInAnyOrder(ADA, BOB);
    }

    @Test
    void listsAtMostTheLimitButCountsEveryone() {
        for (int i = 0; i < LIST_LIMIT + 2; i++) {
            get(presence.join(room, new Member("m" + i, "M" + i, "n1")));
        }
        Roster roster = get(presence.members(room));
        assertThat(roster.count()).isEqualTo(LIST_LIMIT + 2);
        assertThat(roster.members()).hasSize(LIST_LIMIT).doesNotHaveDuplicates();
        assertThat(get(presence.count(room))).isEqualTo(LIST_LIMIT + 2);
        assertThat(get(presence.leave(room, new Member("m0", "M0", "n1")))).isEqualTo(LIST_LIMIT + 1);
    }

    @Test
    void listsAMemberWhoJoinedTwiceOnce() {
        get(presence.join(room, ADA));
        assertThat(get(presence.join(room, ADA)).members()).containsExactly(ADA);
    }

    @Test
    void removesOnlyTheMemberWhoLeft() {
        get(presence.join(room, ADA));
        get(presence.join(room, BOB));
        assertThat(get(presence.leave(room, ADA))).isEqualTo(1);
        assertThat(get(presence.members(room)).members()).containsExactly(BOB);
        assertThat(get(presence.leave(room, BOB))).isZero();
        assertThat(get(presence.members(room)).members()).isEmpty();
    }

    @Test
    void appliesCallsForARoomInTheOrderTheyWereMade() {
        get(presence.join(room, ADA));
        CompletableFuture<Integer> left = presence.leave(room, ADA);
        List<Member> members = get(presence.join(room, ADA)).members();
        get(left);
        assertThat(members).containsExactly(ADA);
        assertThat(get(presence.members(room)).members()).containsExactly(ADA);
    }

    @Test
    void listsNobodyInARoomNobodyJoined() {
        assertThat(get(presence.members(room))).isEqualTo(new Roster(List.of(), 0));
        assertThat(get(presence.count(room))).isZero();
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

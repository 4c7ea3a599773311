package io.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.protocol.FrameCodec;
import io.switchboard.protocol.Member;
import io.switchboard.protocol.ServerFrame;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RosterTests {

    private final FrameCodec codec = new FrameCodec(100);
    private final JsonMapper json = JsonMapper.builder().build();
    private final Member ada = new Member("s1", "Ada \"the first\"", "n1", "u-ada");
    private final Member bob = new Member("s2", "Bob", "n2");

    @Test
    void aStoredRosterPutsEachMembersStoredJsonIntoTheJoinedFrameAsItIs() {
        Roster stored = Roster.stored(List.of(codec.encodeMember(ada), codec.encodeMember(bob)), 3, codec::decodeMember);

        String spliced = codec.encode(new ServerFrame.Joined("lobby", "e", 7, stored.onTheWire(), stored.count(),
                null, null, "r"));
        String encoded = codec.encode(new ServerFrame.Joined("lobby", "e", 7, List.of(ada, bob), 3, null, null, "r"));

        assertThat(spliced).isEqualTo(encoded);
        assertThat(json.readValue(spliced, Map.class)).containsEntry("memberCount", 3);
    }

    @Test
    void aStoredRosterDecodesItsMembersWhenAskedAndEqualsTheSameRosterOfMembers() {
        Roster stored = Roster.stored(List.of(codec.encodeMember(ada)), 1, codec::decodeMember);

        assertThat(stored.members()).containsExactly(ada);
        assertThat(stored).isEqualTo(new Roster(List.of(ada), 1)).hasSameHashCodeAs(new Roster(List.of(ada), 1));
    }
}

package io.switchboard.bench.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.bench.support.SwitchboardNodes;
import io.switchboard.support.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's Switchboard member against a packaged node: a send the node refuses for now
 * ({@code rate_limited}, as a rejoin's resent backlog can be) is sent again after the error's
 * {@code retryAfterMs} until it is acknowledged, so a run counts as lost only what the server lost.
 */
class SwitchboardMemberIT {

    @Test
    void sendsRefusedForNowAreSentAgainUntilAcknowledged() throws Exception {
        List<String> acked = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        Member.Events events = new Member.Events() {
            @Override
            public void onMessage(String text) {
            }

            @Override
            public void onDuplicate() {
            }

            @Override
            public void onAck(String text) {
                acked.add(text);
            }

            @Override
            public void onRejoined(long nanos) {
            }

            @Override
            public void onError(String what) {
                errors.add(what);
            }
        };
        try (RedisServer redis = RedisServer.create();
             SwitchboardNodes node = new SwitchboardNodes(redis, 1,
                     Map.of("switchboard.limits.messages-per-second", "5", "switchboard.limits.burst", "2"));
             Transport transport = new Transport(false, List.of())) {
            Endpoints endpoints = new Endpoints(List.of(URI.create(node.urls().getFirst())));
            Member ada = ChatSystem.SWITCHBOARD.join(transport, endpoints, 0, "ada", "lobby", events);
            ada.joined().get(30, TimeUnit.SECONDS);

            List<String> texts = IntStream.rangeClosed(1, 10).mapToObj(i -> "m" + i).toList();
            texts.forEach(ada::send); // ten at once, against a burst of two

            await("every send acknowledged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(acked).containsExactlyInAnyOrderElementsOf(texts));
            assertThat(errors).as("the node refused some at first").contains("error rate_limited");
            ada.close();
        }
    }
}

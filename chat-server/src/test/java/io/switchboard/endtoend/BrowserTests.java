package io.switchboard.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Actuator;
import io.switchboard.support.Browser;
import io.switchboard.support.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chat page in real headless Chromium, against real nodes on one real Redis: what a person
 * sees while chatting across nodes, through a drain, through a Redis restart, and in history.
 * Each browser is given both nodes' addresses ({@code ?nodes=}), its own node first, as a load
 * balancer would otherwise provide. Screenshots go to target/screenshots.
 */
class BrowserTests extends OnRedis {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private Browser browser(Node first, Node second, String room) {
        return track(Browser.open("http://127.0.0.1:" + first.port() + "/?nodes=ws://127.0.0.1:" + first.port()
                + "/ws,ws://127.0.0.1:" + second.port() + "/ws#" + room));
    }

    /** Ada in a browser served by node n1, Bob in one served by n2, both in the same room. */
    private record Chat(Node n1, Node n2, Browser ada, Browser bob) {}

    /** A page served by one node opens the other's socket too: a cross-origin handshake the nodes must allow. */
    private static final String PAGES_OF_EITHER_NODE = "switchboard.allowed-origins=http://127.0.0.1:[*]";

    private Chat adaOnN1AndBobOnN2(String room, String... n1Settings) {
        Node n1 = node("n1", Stream.concat(Stream.of(n1Settings),
                Stream.of(PAGES_OF_EITHER_NODE)).toArray(String[]::new));
        Node n2 = node("n2", PAGES_OF_EITHER_NODE);
        return new Chat(n1, n2, browser(n1, n2, room).enter("Ada", room), browser(n2, n1, room).enter("Bob", room));
    }

    @Test
    void twoBrowsersOnTwoNodesChatAndSeeEachOtherAndTheirTyping() {
        Chat chat = adaOnN1AndBobOnN2("lobby");
        Browser ada = chat.ada();
        Browser bob = chat.bob();
        assertThat(ada.connectionText()).isEqualTo("Connected");
        assertThat(ada.script("return document.getElementById('connection').title")).as("the node, for details")
                .isEqualTo("Served by n1");
        assertThat(bob.script("return document.getElementById('connection').title")).isEqualTo("Served by n2");
        assertThat(ada.pageGlobals()).as("nothing of the client reachable from other scripts").isEmpty();

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.members()).as("Ada sees").containsAll(List.of("Ada (you)", "Bob")));
        assertThat(bob.members()).containsExactly("Ada", "Bob (you)");

        ada.say("Hi Bob, I am on node 1");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.lines()).as("Bob sees").isEqualTo(List.of("Ada: Hi Bob, I am on node 1")));
        bob.type("Hello Ada");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.typing()).as("Ada's typing line").isEqualTo("Bob is typing…"));
        bob.say(""); // Enter sends what was typed
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages()).as("Ada sees").isEqualTo(List.of("Hi Bob, I am on node 1", "Hello Ada")));
        assertThat(ada.typing()).as("Bob's message arrived: he is no longer typing").isEmpty();

        String hostile = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script> & <b>bold</b>";
        bob.say(hostile);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages()).as("Ada sees").contains(hostile));
        assertThat(ada.script("return window.pwned === undefined && document.querySelector('#messages img, #messages b') === null"))
                .isEqualTo(true);
        ada.screenshot("chat-two-nodes-ada");
        bob.screenshot("chat-two-nodes-bob");

        // Ada looks at another tab: what arrives meanwhile is counted in the title and marked
        ada.script("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                + "document.dispatchEvent(new Event('visibilitychange'))");
        bob.say("while Ada looks away");
        await("unread count in the title").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> "(1) Switchboard".equals(ada.script("return document.title")));
        assertThat(ada.script("return document.querySelector('#messages .unread-marker').nextElementSibling"
                + ".querySelector('.text').textContent")).isEqualTo("while Ada looks away");
        ada.script("Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
                + "document.dispatchEvent(new Event('visibilitychange'))");
        assertThat(ada.script("return document.title")).isEqualTo("Switchboard");

        bob.resize(390, 844); // a phone
        assertThat(bob.overflowsSideways()).isFalse();
        bob.screenshot("chat-phone-bob");

        bob.close();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.members()).as("Ada sees").isEqualTo(List.of("Ada (you)")));
    }

    @Test
    void aDrainedBrowserReconnectsToTheOtherNodeWithEveryMessageOnceInOrder() {
        Chat chat = adaOnN1AndBobOnN2("drain", "switchboard.drain.reconnect-jitter=2s");
        Browser ada = chat.ada();
        Browser bob = chat.bob();
        bob.say("before the drain");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages()).as("Ada sees").isEqualTo(List.of("before the drain")));

        ada.script("window.banners = []; new MutationObserver(() => { const b = document.getElementById('banner');"
                + " if (!b.hidden) banners.push(b.textContent); }).observe(document.getElementById('banner'),"
                + " {attributes: true, childList: true, characterData: true, subtree: true})");
        assertThat(Actuator.post(chat.n1().managementPort(), "/actuator/drain", Map.of("window", "1s")).status()).isEqualTo(200);
        // the page's own record of its statuses: a move told to wait a few milliseconds (the delay is
        // random, from 0) is over before a poll of the status line could see it
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.statusHistory()).as(() -> "Ada's status " + ada.connectionText())
                        .contains("reconnecting"));
        ada.say("typed during the outage");
        List<String> meanwhile = IntStream.rangeClosed(1, 8).mapToObj(i -> "meanwhile " + i).toList();
        meanwhile.forEach(bob::say);

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat("connected".equals(ada.status())).as(() -> "Ada's status " + ada.connectionText()).isTrue());
        assertThat(ada.connectionText()).isEqualTo("Connected");
        assertThat(ada.script("return document.getElementById('connection').title")).isEqualTo("Served by n2");
        assertThat(ada.statusHistory()).contains("reconnecting");
        assertThat((List<?>) ada.script("return window.banners")).as("a planned move is no outage: no banner").isEmpty();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages().size() >= 10 && ada.pending().isEmpty()).as(() -> "Ada sees " + ada.messages()).isTrue());
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.messages().size() >= 10).as(() -> "Bob sees " + bob.messages()).isTrue());

        for (Browser browser : List.of(ada, bob)) {
            List<String> seen = browser.messages();
            assertThat(seen).hasSize(10).containsOnlyOnce("typed during the outage");
            assertThat(seen.stream().filter(text -> text.startsWith("meanwhile")).toList()).isEqualTo(meanwhile);
            assertThat(seen.getFirst()).isEqualTo("before the drain");
        }
        ada.screenshot("after-drain-ada");
    }

    @Test
    void aRedisRestartIsShownAndWhatWasSentMeanwhileArrivesOnce() {
        Chat chat = adaOnN1AndBobOnN2("outage");
        Browser ada = chat.ada();
        Browser bob = chat.bob();
        ada.say("before the outage");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.messages()).as("Bob sees").isEqualTo(List.of("before the outage")));

        redis.stop();
        ada.say("sent while Redis is down");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.banner()).as("Ada's banner").contains("cannot reach its message store"));
        assertThat(ada.pending()).containsExactly("sent while Redis is down");
        ada.screenshot("redis-down-ada");
        redis.start();

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.messages()).as("Bob sees").contains("sent while Redis is down"));
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.banner().isEmpty() && ada.pending().isEmpty()).as(() -> "Ada's banner: " + ada.banner()).isTrue());
        bob.say("after the outage");
        for (Browser browser : List.of(ada, bob)) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(browser.messages()).as("the page shows").contains("after the outage"));
            assertThat(browser.messages()).containsOnlyOnce("sent while Redis is down").containsOnlyOnce("after the outage");
            // Redis ran without persistence: the room's history restarted, and the page says so
            assertThat(browser.notices()).anyMatch(notice -> notice.contains("history restarted"));
        }
    }

    @Test
    void aMessageTheAppDeletesShowsDeletedAndAUserItDisconnectsIsToldWhyAndStaysAway() {
        String key = "k-shop-0123456789abcdef0123";
        Chat chat = adaOnN1AndBobOnN2("moderated", "switchboard.api.keys.shop=" + key);
        chat.ada().say("a message to take back");
        chat.ada().say("a message to keep");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(chat.bob().messages()).as("Bob sees").containsSubsequence("a message to take back", "a message to keep"));
        int offset = Integer.parseInt((String) chat.bob().script("return [...document.querySelectorAll('#messages li[data-offset]')]"
                + ".find(li => li.querySelector('.text').textContent === 'a message to take back').dataset.offset"));
        assertThat(ApiTests.call(chat.n1().port(), "DELETE", "/api/rooms/moderated/messages/" + offset, key, null).status())
                .isEqualTo(200);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(chat.bob().messages()).as("Bob sees, live").containsSubsequence("message deleted", "a message to keep")
                        .doesNotContain("a message to take back"));
        Browser late = track(Browser.open("http://127.0.0.1:" + chat.n2().port() + "/"));
        late.enter("Cy", "moderated");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(late.messages()).as("history shows").containsSubsequence("message deleted", "a message to keep")
                        .doesNotContain("a message to take back"));
        chat.bob().screenshot("deleted-message-bob");

        ApiTests.Answer answer = ApiTests.call(chat.n1().port(), "POST", "/api/users/Ada/disconnect", key,
                "{\"reason\":\"Take a break, Ada\"}");
        assertThat(answer.status()).isEqualTo(202);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(chat.ada().banner()).as("Ada's banner").isEqualTo("You were disconnected: Take a break, Ada"));
        chat.ada().screenshot("disconnected-ada");
        chat.bob().say("still here");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(chat.bob().messages()).as("Bob sees").contains("still here"));
        assertThat(chat.ada().banner()).as("Ada stays away").isEqualTo("You were disconnected: Take a break, Ada");
    }

    @Test
    void anAddressWhoseHashIsNoRoomIsIgnored() {
        Node n1 = node("n1");
        String malformed = "%E0%A4%A"; // not percent-encoded UTF-8: decodeURIComponent throws on it
        Browser ada = track(Browser.open("http://127.0.0.1:" + n1.port() + "/#" + malformed));
        assertThat(ada.script("return document.getElementById('room').value")).isEqualTo("lobby");
        ada.enter("Ada", "lobby");

        ada.script("window.uncaught = []; window.addEventListener('error', (e) => uncaught.push(e.message))");
        ada.script("location.hash = arguments[0]", malformed);
        ada.say("still in the lobby");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages()).as("Ada sees").isEqualTo(List.of("still in the lobby")));
        assertThat((List<?>) ada.script("return uncaught")).isEmpty();
    }

    @Test
    void aLateJoinerSeesRecentHistoryAndPagesFurtherBack() {
        // one publisher sends 60 at once here; the default send limit is for people
        Node n1 = node("n1", "switchboard.limits.messages-per-second=1000", "switchboard.limits.burst=1000");
        Node n2 = node("n2");
        Browser ada = browser(n1, n2, "history").enter("Ada", "history");
        ada.sayAll(IntStream.rangeClosed(1, 60).mapToObj(i -> "h" + i).toList());
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.messages().size() == 60 && ada.pending().isEmpty()).as(() -> "Ada sees " + ada.messages().size()).isTrue());

        Browser late = browser(n2, n1, "history").enter("Late", "history");
        List<String> recent = IntStream.rangeClosed(11, 60).mapToObj(i -> "h" + i).toList();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(late.messages()).as("Late sees").isEqualTo(recent));
        await("the room opens at its newest message").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> (Boolean) late.script(AT_BOTTOM));
        assertThat(late.canLoadOlder()).isTrue();

        // the reader scrolls up: a new message does not move the view, and is offered below
        late.script("document.getElementById('messages').scrollTop = 0");
        Number h11Top = (Number) late.script(TOP_OF, "h11");
        ada.say("arrives while Late reads back");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(late.messages()).as("Late sees").contains("arrives while Late reads back"));
        assertThat(late.script("return document.getElementById('messages').scrollTop")).isEqualTo(0L);
        assertThat(late.script("return document.getElementById('jump').hidden")).as("'New messages below'").isEqualTo(false);

        late.loadOlder();
        List<String> all = IntStream.rangeClosed(1, 60).mapToObj(i -> "h" + i).toList();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(late.messages().subList(0, 60)).as("Late sees").isEqualTo(all));
        assertThat(((Number) late.script(TOP_OF, "h11")).doubleValue()).as("the older page keeps the view still")
                .isCloseTo(h11Top.doubleValue(), org.assertj.core.data.Offset.offset(2.0));
        await("no older messages left").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() -> !late.canLoadOlder());

        // another room shown and this one again: the reader is where they were
        late.script("document.getElementById('messages').scrollTop = 400");
        Number readAt = (Number) late.script("return document.getElementById('messages').scrollTop");
        assertThat(readAt.doubleValue()).as("scrolled into the middle").isGreaterThan(300.0);
        late.joinRoom("elsewhere");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() -> late.messages().isEmpty());
        late.switchTo("history");
        await("back where Late was reading").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
                assertThat(((Number) late.script("return document.getElementById('messages').scrollTop")).doubleValue())
                        .isCloseTo(readAt.doubleValue(), org.assertj.core.data.Offset.offset(2.0)));

        // a reload goes straight back into the room (it is in the address), at its newest message,
        // and Ada's own messages are still hers
        ada.reload();
        await("back in the room").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .until(() -> ada.messages().contains("arrives while Late reads back"));
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() -> (Boolean) ada.script(AT_BOTTOM));
        assertThat(ada.script("return [...document.querySelectorAll('#messages li[data-offset]')]"
                + ".every(li => li.classList.contains('mine'))")).as("every message is Ada's, tinted").isEqualTo(true);
    }

    @Test
    void thePageIsAccessibleInBothThemesBeforeAndAfterJoiningAndSmall() throws java.io.IOException {
        Node n1 = node("n1");
        Browser ada = track(Browser.open("http://127.0.0.1:" + n1.port() + "/"));
        // what a fresh browser fetched to show the page: the page, its script, styles, protocol and library
        long transferred = ((Number) ada.script("return performance.getEntriesByType('navigation')[0].transferSize"
                + " + performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)")).longValue();
        assertThat(transferred).as("bytes of the first load").isPositive().isLessThanOrEqualTo(60 * 1024);

        String axe = axeCore();
        for (String theme : List.of("light", "dark")) {
            ada.emulateColorScheme(theme);
            assertThat(violations(ada, axe)).as("axe-core, %s theme, before joining", theme).isEmpty();
        }
        ada.emulateColorScheme("light");
        ada.enter("Ada", "a11y");
        ada.say("hello");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() -> ada.messages().contains("hello"));
        for (String theme : List.of("light", "dark")) {
            ada.emulateColorScheme(theme);
            assertThat(violations(ada, axe)).as("axe-core, %s theme, in a room", theme).isEmpty();
        }
        ada.screenshot("chat-dark");
    }

    @Test
    void inJwtModeThePageGetsItsTokenFromTheAppsSignInAndSaysSoWhenItCannot() throws java.io.IOException {
        int port = io.switchboard.support.NodeProcess.freePort();
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer signIn = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", port), 0);
        // the embedding app's sign-in: the signed-in user's token, to the chat page's origin, with its cookies
        signIn.createContext("/chat-token", exchange -> {
            asked.incrementAndGet();
            String origin = exchange.getRequestHeaders().getFirst("Origin");
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", origin == null ? "*" : origin);
            exchange.getResponseHeaders().add("Access-Control-Allow-Credentials", "true");
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] body = ("{\"token\":\"" + io.switchboard.support.Tokens.token("ada-id", "Ada Lovelace",
                    Duration.ofMinutes(10), List.of()) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        signIn.start();
        track((AutoCloseable) () -> signIn.stop(0));
        Node signedIn = node("n1", io.switchboard.support.Tokens.jwtNode(
                "switchboard.auth.page-token-url=http://127.0.0.1:" + port + "/chat-token"));
        Browser ada = track(Browser.open("http://127.0.0.1:" + signedIn.port() + "/#secure"));
        // the room is in the address and no name is needed: the page goes in with its token
        await("signed in and joined").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() ->
                Boolean.TRUE.equals(ada.script("return !document.getElementById('send').disabled")));
        assertThat(ada.script("return document.getElementById('name').closest('label').hidden")).isEqualTo(true);
        ada.say("signed in by the app");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.lines()).contains("Ada Lovelace: signed in by the app"));
        assertThat(asked.get()).isPositive();

        Node without = node("n2", io.switchboard.support.Tokens.jwtNode());
        Browser bob = track(Browser.open("http://127.0.0.1:" + without.port() + "/"));
        await("the page says it cannot sign in").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() ->
                String.valueOf(bob.script("return document.getElementById('enter-error').textContent"))
                        .contains("wants you signed in"));
        assertThat(bob.script("return document.getElementById('enter-button').disabled")).isEqualTo(true);
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoPeopleInThreeRoomsBehindTheBalancerSeeUnreadCountsAndMentionsAndADrainChangesNothingButTheStatus()
            throws java.io.IOException {
        Map<String, int[]> ports = new java.util.LinkedHashMap<>();
        for (String name : List.of("n1", "n2")) {
            ports.put(name, new int[] {io.switchboard.support.NodeProcess.freePort(), io.switchboard.support.NodeProcess.freePort()});
        }
        Map<String, Node> nodes = new java.util.LinkedHashMap<>();
        ports.forEach((name, pair) -> nodes.put(name, node(name, "server.port=" + pair[0], "management.server.port=" + pair[1],
                "switchboard.drain.reconnect-jitter=300ms")));
        io.switchboard.support.Haproxy balancer = track(new io.switchboard.support.Haproxy(ports, "roundrobin"));
        await("the balancer routes to both").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .until(() -> balancer.isUp("n1") && balancer.isUp("n2"));
        String page = "http://127.0.0.1:" + balancer.port() + "/";
        Browser ada = track(Browser.open(page)).enter("Ada", "r1");
        Browser bob = track(Browser.open(page)).enter("Bob", "r1");
        ada.joinRoom("r2");
        ada.joinRoom("r3");
        bob.joinRoom("r2"); // keyboard only: typed into the sidebar's field, Enter
        bob.joinRoom("r3");
        for (Browser browser : List.of(ada, bob)) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(browser.rooms()).as("the sidebar").containsExactly("r1", "r2", "r3"));
        }
        await("Ada in r3, its members").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.members()).contains("Bob"));
        await("every room's head count in the sidebar").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.roomMembers()).containsEntry("r1", "2").containsEntry("r2", "2")
                        .containsEntry("r3", "2"));

        // Ada looks at another tab, and has allowed notifications (a recorder stands in for the browser's)
        ada.script("window.notes = []; window.Notification = class { static permission = 'granted';"
                + " constructor(title, options) { window.notes.push(title + ': ' + options.body); } };"
                + "Object.defineProperty(document, 'hidden', {value: true, configurable: true});");
        bob.switchTo("r1");
        bob.say("hey Ada, look at this");
        bob.switchTo("r2");
        bob.say("plain news");
        await("Ada's unread counts").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> {
            assertThat(ada.unread()).containsEntry("r1", 1L).containsEntry("r2", 1L).containsEntry("r3", 0L);
            assertThat(ada.script("return document.title")).isEqualTo("(2) Switchboard");
        });
        assertThat(ada.mentioned()).as("rooms that mention Ada").containsExactly("r1");
        assertThat((List<Object>) ada.script("return window.notes")).as("a notification for the mention only")
                .containsExactly("Bob in #r1: hey Ada, look at this");
        ada.script("Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
                + "document.dispatchEvent(new Event('visibilitychange'))");
        ada.screenshot("chat-rooms-unread");

        ada.switchTo("r1");
        assertThat(ada.messages()).containsExactly("hey Ada, look at this");
        assertThat(ada.script("return document.querySelector('#messages li.mention .text').textContent"))
                .isEqualTo("hey Ada, look at this");
        assertThat(ada.unread()).containsEntry("r1", 0L);
        assertThat(ada.script("return document.title")).isEqualTo("(1) Switchboard");
        ada.switchTo("r2");
        assertThat(ada.messages()).containsExactly("plain news");
        ada.switchTo("r1");
        assertThat(ada.messages()).as("a switch loses nothing").containsExactly("hey Ada, look at this");

        // the node serving Bob drains: his page says it moves him, and nothing else changes
        String bobsNode = String.valueOf(bob.script("return document.getElementById('connection').title")).replace("Served by ", "");
        bob.script("window.banners = []; new MutationObserver(() => { const b = document.getElementById('banner');"
                + " if (!b.hidden) banners.push(b.textContent); }).observe(document.getElementById('banner'),"
                + " {attributes: true, childList: true, characterData: true, subtree: true})");
        assertThat(Actuator.post(nodes.get(bobsNode).managementPort(), "/actuator/drain", Map.of("window", "1s")).status())
                .isEqualTo(200);
        await("Bob moved").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() ->
                bob.statusHistory().contains("reconnecting") && "connected".equals(bob.status()));
        assertThat((List<?>) bob.script("return window.banners")).as("no banner for a move").isEmpty();
        ada.say("after the move");
        await("Bob's r1 counts it").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.unread()).containsEntry("r1", 1L));
        assertThat(bob.rooms()).containsExactly("r1", "r2", "r3");
        assertThat(bob.messages()).as("r2, as it was").containsExactly("plain news");

        bob.leaveRoom("r3"); // keyboard only
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.rooms()).containsExactly("r1", "r2"));
        await("Ada's sidebar counts Bob out of r3 only").atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(ada.roomMembers()).containsEntry("r1", "2").containsEntry("r3", "1"));
        ada.switchTo("r3");
        ada.say("anyone in r3?");
        ada.switchTo("r1");
        ada.say("and in r1");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat(bob.unread()).containsEntry("r1", 2L).doesNotContainKey("r3"));

        ada.reload(); // the rooms come back, the one in the address shown
        await("Ada's rooms after a reload").atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> {
            assertThat(ada.rooms()).as("in the order joined").containsExactly("r1", "r2", "r3");
            assertThat(ada.messages()).contains("hey Ada, look at this", "after the move", "and in r1");
        });
        ada.screenshot("chat-rooms-ada");
        assertThat(violations(ada, axeCore())).as("axe-core with the sidebar").isEmpty();
    }

    /** axe-core's script, from chat-client-web's dev dependencies (installed with npm ci if missing). */
    private static String axeCore() throws java.io.IOException {
        java.nio.file.Path axe = io.switchboard.support.Command.ROOT.resolve("chat-client-web/node_modules/axe-core/axe.min.js");
        if (!java.nio.file.Files.exists(axe)) {
            io.switchboard.support.Command.require("npm");
            var installed = io.switchboard.support.Command.run(List.of("sh", "-c",
                    "cd chat-client-web && npm ci --no-audit --no-fund"), Map.of(), 300);
            assertThat(installed.exitCode()).as(installed.output()).isZero();
        }
        return java.nio.file.Files.readString(axe);
    }

    /** Every axe-core violation on the page now, of any impact: "rule (impact): nodes". */
    @SuppressWarnings("unchecked")
    private static List<String> violations(Browser browser, String axe) {
        browser.script(axe);
        List<Map<String, Object>> found = (List<Map<String, Object>>) browser.asyncScript(
                "const done = arguments[arguments.length - 1];"
                + "axe.run(document).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
                + " nodes: v.nodes.map(n => n.target.join(' ')).join(', ')}))), e => done([{id: 'error', impact: String(e)}]))");
        return found.stream().map(v -> v.get("id") + " (" + v.get("impact") + "): " + v.get("nodes")).toList();
    }

    /** Whether the message list shows its newest message. */
    private static final String AT_BOTTOM = "const l = document.getElementById('messages');"
            + "return l.scrollHeight - l.scrollTop - l.clientHeight <= 48";
    /** Where the message with the given text is, from the top of the list's view. */
    private static final String TOP_OF = "const l = document.getElementById('messages');"
            + "const li = [...l.querySelectorAll('li[data-offset]')].find(li => li.querySelector('.text').textContent === arguments[0]);"
            + "return li.getBoundingClientRect().top - l.getBoundingClientRect().top";
}

package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * scripts/token's options: every missing or bad value is refused with one line that names the
 * option and what it must be (exit code 2), never a shell error or a token no node would take.
 * That a node takes the tokens it makes is {@code AuthTests}' part.
 */
class TokenScriptTests {

    private static final List<String> REQUIRED = List.of("--secret", "change-me-to-32-bytes-or-more-please",
            "--issuer", "dev", "--audience", "switchboard", "--sub", "ada");

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of(List.of("--ttl"), "--ttl needs a value"),
                Arguments.of(List.of("--name"), "--name needs a value"),
                Arguments.of(List.of("--ttl", "0"), "--ttl must be a whole number of seconds from 1 to 999999999 (got '0')"),
                Arguments.of(List.of("--ttl", "-5"), "--ttl must be a whole number of seconds from 1 to 999999999 (got '-5')"),
                Arguments.of(List.of("--ttl", "1h"), "--ttl must be a whole number of seconds from 1 to 999999999 (got '1h')"),
                Arguments.of(List.of("--ttl", "99999999999999999999"), "--ttl must be a whole number of seconds"),
                Arguments.of(List.of("--ttl", "60", "--ttl", "120"), "--ttl is given twice"),
                Arguments.of(List.of("--rooms", "team-a;rm"), "--rooms: 'team-a;rm' is not a room pattern"),
                Arguments.of(List.of("--name", "Ada\nLovelace"), "--name must not contain control characters"),
                Arguments.of(List.of("--expires", "60"), "unknown option '--expires'"),
                Arguments.of(List.of("extra"), "unknown option 'extra'"));
    }

    @ParameterizedTest
    @MethodSource("badOptions")
    void aBadOrMissingValueIsRefusedWithOneLineNamingIt(List<String> extra, String message) {
        List<String> args = new ArrayList<>(REQUIRED);
        args.addAll(extra);
        assertRefused(args, message);
    }

    @Test
    void anOptionFollowedByAnotherOptionHasNoValue() {
        assertRefused(List.of("--secret", "--issuer", "dev", "--audience", "switchboard", "--sub", "ada"),
                "--secret needs a value (got the option --issuer)");
    }

    @Test
    void eachRequiredOptionIsNamedWhenMissingOrEmpty() {
        for (int i = 0; i < REQUIRED.size(); i += 2) {
            List<String> without = new ArrayList<>(REQUIRED);
            without.subList(i, i + 2).clear();
            assertRefused(without, REQUIRED.get(i) + " is required");
            List<String> empty = new ArrayList<>(REQUIRED);
            empty.set(i + 1, "");
            assertRefused(empty, REQUIRED.get(i) + " is required, and not empty");
        }
    }

    @Test
    void aSecretTheNodeWouldRefuseIsRefused() {
        List<String> args = new ArrayList<>(REQUIRED);
        args.set(1, "31-bytes-is-one-short-of-enough");
        assertRefused(args, "--secret must be at least 32 bytes");
    }

    @Test
    void theClaimsAreTheOptionsGiven() {
        Command.require("openssl");
        List<String> args = new ArrayList<>(REQUIRED);
        // leading zeros are decimal, not octal; rooms separated by spaces or commas, as the claim's string form
        args.addAll(List.of("--name", "Ada \"the\" \\ Countess", "--rooms", "team-a,dm:ada:*  help-*", "--ttl", "0090"));
        JsonNode claims = claims(args);
        assertThat(claims.at("/iss").asString()).isEqualTo("dev");
        assertThat(claims.at("/aud").asString()).isEqualTo("switchboard");
        assertThat(claims.at("/sub").asString()).isEqualTo("ada");
        assertThat(claims.at("/name").asString()).isEqualTo("Ada \"the\" \\ Countess");
        assertThat(claims.at("/rooms").values().stream().map(JsonNode::asString)).containsExactly("team-a", "dm:ada:*",
                "help-*");
        assertThat(claims.at("/exp").asLong() - claims.at("/iat").asLong()).isEqualTo(90);
        assertThat(claims(REQUIRED).has("rooms")).isFalse();
    }

    private static JsonNode claims(List<String> args) {
        Command.Result made = run(args);
        assertThat(made.exitCode()).as(made.output()).isZero();
        String[] parts = made.output().strip().split("\\.");
        assertThat(parts).hasSize(3);
        return JsonMapper.builder().build().readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
                StandardCharsets.UTF_8));
    }

    private static void assertRefused(List<String> args, String message) {
        Command.Result result = run(args);
        assertThat(result.exitCode()).as(args + ": " + result.output()).isEqualTo(2);
        assertThat(result.output().strip()).as("%s", args).startsWith("scripts/token: ").contains(message)
                .doesNotContain("\n");
    }

    private static Command.Result run(List<String> args) {
        List<String> command = new ArrayList<>(List.of("scripts/token"));
        command.addAll(args);
        return Command.run(command, Map.of(), 10);
    }
}

package io.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Actuator;
import io.switchboard.support.Node;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** {@code switchboard.management.password}: the management port's writes need it, its reads do not. */
class ManagementCredentialsTests {

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDrainNeedsTheCredentialsAndHealthDoesNot() {
        try (Node node = Node.inMemory("switchboard.management.password=s3cret-passphrase")) {
            int port = node.managementPort();
            Actuator.Answer anonymous = Actuator.postAs(port, "/actuator/drain", null);
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    value -> assertThat(value).startsWith("Basic"));
            assertThat(Actuator.postAs(port, "/actuator/drain", basic("switchboard:wrong")).status()).isEqualTo(401);
            assertThat(node.isReady()).as("refused drains did nothing").isTrue();
            assertThat(Actuator.get(port, "/actuator/health").status()).isEqualTo(200);

            assertThat(Actuator.postAs(port, "/actuator/drain", basic("switchboard:s3cret-passphrase")).status()).isEqualTo(200);
            assertThat(node.isReady()).isFalse();
        }
    }

    @Test
    void withoutAPasswordWritesNeedNone() {
        try (Node node = Node.inMemory()) {
            assertThat(Actuator.postAs(node.managementPort(), "/actuator/drain", null).status()).isEqualTo(200);
        }
    }
}

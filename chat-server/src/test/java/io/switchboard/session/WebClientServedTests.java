package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Every node serves the browser client from chat-client-web at its root. */
class WebClientServedTests {

    @Test
    void servesThePageAndItsModules() throws Exception {
        try (Node node = Node.inMemory()) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/", "/protocol.js", "/switchboard-client.js", "/app.js", "/app.css"}) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
            }
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\">");
        }
    }
}

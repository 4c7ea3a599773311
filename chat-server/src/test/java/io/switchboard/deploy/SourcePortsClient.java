package io.switchboard.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Opens WebSockets through a load balancer and counts those a node greeted ({@code welcome}): run
 * by {@link SourcePortsIT} inside a network namespace, where only a program started there can
 * connect. Arguments: how many, and the balancer's URLs, comma-separated, used in turn (each
 * address gives the client its own source ports towards the balancer; the client binds none
 * itself, which would take those port numbers from the balancer's own connections). Prints
 * {@code greeted N of M} and keeps every connection open until then.
 */
public final class SourcePortsClient {

    private static final long GREETING_SECONDS = 20;

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        List<URI> urls = Arrays.stream(args[1].split(",")).map(URI::create).toList();
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<Boolean>> greeted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<Boolean> welcome = new CompletableFuture<>();
            client.newWebSocketBuilder().buildAsync(urls.get(i % urls.size()), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket socket, CharSequence text, boolean last) {
                    welcome.complete(text.toString().contains("\"welcome\""));
                    return null;
                }
            }).whenComplete((socket, error) -> {
                if (error != null) {
                    welcome.complete(false);
                }
            });
            greeted.add(welcome.completeOnTimeout(false, GREETING_SECONDS, TimeUnit.SECONDS));
        }
        long ok = greeted.stream().filter(CompletableFuture::join).count();
        System.out.println("greeted " + ok + " of " + count);
        System.exit(0);
    }
}

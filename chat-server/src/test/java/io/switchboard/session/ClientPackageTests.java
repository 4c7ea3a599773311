package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import io.switchboard.support.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client library as the npm package a web app installs (docs/client.md, "As a package"):
 * chat-client-web's library and page type-check from their JSDoc ({@code tsc}) and pass ESLint;
 * {@code npm pack} makes the package with declarations generated from the JSDoc; installed from the
 * tarball into a throwaway project, it is imported by its name, type-checks from TypeScript, and
 * chats with a real node.
 */
class ClientPackageTests {

    @Test
    void thePackedLibraryInstallsTypeChecksAndChatsWithARealNode() throws IOException {
        Command.require("node");
        Command.require("npm");
        assertSucceeds(npm("ci --no-audit --no-fund"));
        assertSucceeds(npm("run check"));
        assertSucceeds(npm("run lint"));
        Path packed = Files.createTempDirectory("switchboard-pack");
        assertSucceeds(npm("pack --pack-destination " + packed));
        Path tarball;
        try (var files = Files.list(packed)) {
            tarball = files.filter(file -> file.toString().endsWith(".tgz")).findFirst().orElseThrow();
        }

        Path app = Files.createTempDirectory("switchboard-consumer");
        Files.writeString(app.resolve("package.json"), "{\"name\": \"consumer\", \"private\": true, \"type\": \"module\"}");
        assertSucceeds(in(app, "npm install --no-audit --no-fund " + tarball));
        Files.writeString(app.resolve("chat.mjs"), """
                import { SwitchboardClient } from '@switchboard/client';
                import { ServerType } from '@switchboard/client/protocol';
                const url = process.env.SWITCHBOARD_URL;
                const ada = new SwitchboardClient({ name: 'Ada', urls: url });
                const bob = new SwitchboardClient({ name: 'Bob', urls: url });
                const timer = setTimeout(() => { console.log('timed out'); process.exit(1); }, 15000);
                bob.addEventListener('message', (event) => {
                  if (event.detail.text === 'hello from the package') {
                    console.log(`${ServerType.MESSAGE} from ${event.detail.fromName}: ${event.detail.text}`);
                    clearTimeout(timer);
                    ada.close();
                    bob.close();
                  }
                });
                ada.connect();
                bob.connect();
                await Promise.all([ada.join('package'), bob.join('package')]);
                ada.send('package', 'hello from the package');
                """);
        Files.writeString(app.resolve("typed.ts"), """
                import { SwitchboardClient, type ChatMessage } from '@switchboard/client';
                import { ErrorCode } from '@switchboard/client/protocol';
                const client: SwitchboardClient = new SwitchboardClient({ name: 'Ada', backoffMs: 100 });
                const sent = client.send('lobby', 'typed');
                const state: 'pending' | 'sent' | 'failed' = sent.state;
                const code: string = ErrorCode.FORBIDDEN;
                function show(message: ChatMessage): string { return `${message.fromName}: ${message.text}`; }
                export { state, code, show };
                """);
        Command.Result typed = in(app, ROOT_TSC + " --noEmit --strict --module nodenext --moduleResolution nodenext"
                + " --target es2022 --lib es2022,dom --skipLibCheck false typed.ts");
        assertThat(typed.exitCode()).as("a TypeScript app using the package:\n" + typed.output()).isZero();

        try (Node node = Node.inMemory()) {
            List<String> command = new ArrayList<>(List.of("node"));
            if (Command.run(List.of("node", "-p", "typeof WebSocket"), Map.of(), 30).output().contains("undefined")) {
                command.add("--experimental-websocket");
            }
            command.add(app.resolve("chat.mjs").toString());
            Command.Result chat = Command.run(command, Map.of("SWITCHBOARD_URL", "ws://127.0.0.1:" + node.port() + "/ws"), 60);
            assertThat(chat.exitCode()).as(chat.output()).isZero();
            assertThat(chat.output()).contains("message from Ada: hello from the package");
        }
    }

    private static final String ROOT_TSC = Command.ROOT.resolve("chat-client-web/node_modules/.bin/tsc").toString();

    private static Command.Result npm(String arguments) {
        return in(Command.ROOT.resolve("chat-client-web"), "npm " + arguments);
    }

    private static Command.Result in(Path directory, String command) {
        return Command.run(List.of("sh", "-c", "cd '" + directory + "' && " + command), Map.of(), 300);
    }

    private static void assertSucceeds(Command.Result result) {
        assertThat(result.exitCode()).as(result.output()).isZero();
    }
}

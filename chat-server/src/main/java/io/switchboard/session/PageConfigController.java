package io.switchboard.session;

import io.switchboard.config.SwitchboardProperties.AuthMode;
import io.switchboard.config.SwitchboardProperties;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /page-config.json} on the chat port: what the page this node serves needs to know
 * before it connects (docs/client.md): whether the node wants a token, and where the page gets one
 * ({@code switchboard.auth.page-token-url}). Nothing secret: the same for every visitor.
 */
@RestController
final class PageConfigController {

    private final PageConfig config;

    /** @param tokenUrl null unless in jwt mode with a token address set */
    record PageConfig(String auth, String tokenUrl) {}

    PageConfigController(SwitchboardProperties properties) {
        var auth = properties.auth();
        boolean jwt = auth.mode() == AuthMode.JWT;
        this.config = new PageConfig(jwt ? "jwt" : "anonymous",
                jwt && !auth.pageTokenUrl().isEmpty() ? auth.pageTokenUrl() : null);
    }

    @GetMapping(path = "/page-config.json", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<PageConfig> config() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(config);
    }
}

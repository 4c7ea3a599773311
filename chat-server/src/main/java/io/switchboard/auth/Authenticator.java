package io.switchboard.auth;

import io.switchboard.config.SwitchboardProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Says who a connection is, from its {@code hello}: in {@code anonymous} mode whoever it says it is,
 * in {@code jwt} mode the subject of a token verified with Spring Security's {@code
 * NimbusJwtDecoder} (HMAC secret or JWKS; signature, {@code exp} required, {@code nbf}, issuer and
 * audience checked, clock skew bounded). The name comes from a claim, the rooms it may enter
 * beyond the public ones from another.
 */
public final class Authenticator {

    /** Longest display name, as for a name said in {@code hello}. */
    private static final int MAX_NAME = 32;

    private final SwitchboardProperties.Auth settings;
    /** Null in anonymous mode. */
    private final JwtDecoder decoder;
    private final RoomAccess publicAccess;

    public Authenticator(SwitchboardProperties.Auth settings) {
        this.settings = settings;
        this.publicAccess = new RoomAccess(settings.publicRooms(), List.of());
        this.decoder = settings.mode() == SwitchboardProperties.AuthMode.JWT ? decoder(settings.jwt()) : null;
    }

    public boolean anonymous() {
        return decoder == null;
    }

    /** An anonymous connection named {@code name}: it may enter the public rooms. */
    public Identity anonymous(String name) {
        return new Identity(null, name, null, publicAccess);
    }

    /** The identity {@code token} proves; throws {@link AuthException} saying why it proves none. */
    public Identity verify(String token) {
        if (token == null || token.isBlank()) {
            throw new AuthException("hello needs a token (switchboard.auth.mode=jwt)");
        }
        Jwt jwt;
        try {
            jwt = decoder.decode(token);
        } catch (JwtValidationException e) {
            throw new AuthException("token rejected: " + e.getErrors().stream()
                    .map(error -> error.getDescription()).collect(Collectors.joining("; ")));
        } catch (JwtException e) {
            throw new AuthException("token rejected: " + e.getMessage());
        }
        String user = jwt.getSubject();
        if (user == null || user.isBlank()) {
            throw new AuthException("token rejected: it has no sub claim");
        }
        return new Identity(user, name(jwt, user), jwt.getExpiresAt(),
                new RoomAccess(settings.publicRooms(), rooms(jwt.getClaim(settings.jwt().roomsClaim()))));
    }

    /** A fresher token for the same user; throws {@link AuthException} if it is not one. */
    public Identity refresh(Identity current, String token) {
        Identity fresh = verify(token);
        if (!fresh.user().equals(current.user())) {
            throw new AuthException("token rejected: it is for another user than this connection's");
        }
        return fresh;
    }

    private String name(Jwt jwt, String user) {
        String name = jwt.getClaimAsString(settings.jwt().nameClaim());
        if (name == null || name.isBlank()) {
            name = jwt.getClaimAsString("preferred_username");
        }
        if (name == null || name.isBlank()) {
            name = user;
        }
        String shown = name.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        return shown.length() <= MAX_NAME ? shown : shown.substring(0, MAX_NAME);
    }

    /** The rooms claim: a list of patterns, or one string of them separated by spaces or commas. */
    private static List<String> rooms(Object claim) {
        if (claim instanceof Collection<?> list) {
            List<String> rooms = new ArrayList<>();
            list.forEach(room -> rooms.add(String.valueOf(room)));
            return rooms;
        }
        if (claim instanceof String text) {
            return Arrays.asList(text.split("[\\s,]+"));
        }
        return List.of();
    }

    private static JwtDecoder decoder(SwitchboardProperties.Jwt jwt) {
        boolean secret = !jwt.secret().isEmpty();
        boolean jwks = !jwt.jwkSetUri().isEmpty();
        if (secret == jwks) {
            throw new IllegalStateException("switchboard.auth.mode=jwt needs exactly one of switchboard.auth.jwt.secret "
                    + "(HMAC) and switchboard.auth.jwt.jwk-set-uri");
        }
        if (jwt.issuer().isEmpty() || jwt.audience().isEmpty()) {
            throw new IllegalStateException("switchboard.auth.mode=jwt needs switchboard.auth.jwt.issuer and "
                    + "switchboard.auth.jwt.audience: a token is only taken from that issuer and for that audience");
        }
        NimbusJwtDecoder decoder;
        if (secret) {
            byte[] key = jwt.secret().getBytes(StandardCharsets.UTF_8);
            if (key.length < 32) {
                throw new IllegalStateException("switchboard.auth.jwt.secret must be at least 32 bytes for HS256");
            }
            decoder = NimbusJwtDecoder.withSecretKey(new SecretKeySpec(key, "HmacSHA256"))
                    .macAlgorithm(MacAlgorithm.HS256).build();
        } else {
            decoder = NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).build(); // RS256, keys cached by Nimbus
        }
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(
                new JwtTimestampValidator(jwt.clockSkew()),
                new JwtClaimValidator<>(JwtClaimNames.EXP, Objects::nonNull),
                new JwtIssuerValidator(jwt.issuer()),
                new JwtAudienceValidator(jwt.audience()));
        decoder.setJwtValidator(validator);
        return decoder;
    }
}

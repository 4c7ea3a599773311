package io.switchboard.auth;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.protocol.FrameCodec;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 *
 * <p>With a JWKS ({@code jwk-set-uri}) a token's key id ({@code kid}) is looked up in the issuer's
 * key set, and what a client sends cannot make the node fetch that set more often than this, nor
 * hold the thread that verifies ({@code hello} and {@code auth} are verified on the connection's
 * frame-handling thread) for longer:
 * <ul>
 * <li>The set is fetched when a token first needs a key, never at startup: a node starts while its
 *     issuer is down, and takes tokens once the issuer answers.</li>
 * <li>A fetched set is kept for {@code jwks-cache-ttl}; a token whose key is in it costs no fetch.</li>
 * <li>A token whose key id the set lacks, and an expired set, make the node fetch it again, but at
 *     most twice per {@code jwks-refetch-interval} for the whole node (Nimbus's {@code
 *     RateLimitedJWKSetSource}: the first fetch opens an interval, one more is let through within
 *     it, so a key rotated in just after a fetch is taken at once). Beyond that a token is refused
 *     ("fetched too recently") without a fetch, whatever the number of connections or frames.
 *     Spring Security's {@code withJwkSetUri} builder turns this limit off and offers no way to
 *     turn it on (spring-projects/spring-security#19643), which let every unknown key id fetch the
 *     set: 51 fetches for a hello and 50 {@code auth} frames with unknown key ids on one
 *     connection, 21 for 20 such hellos; at most 2 now ({@code JwksTests}).</li>
 * <li>One fetch at a time: verifications that need the set while it is being fetched wait for that
 *     fetch instead of starting their own (Nimbus's {@code CachingJWKSetSource}), and give up after
 *     {@code jwks-connect-timeout} plus {@code jwks-read-timeout}.</li>
 * <li>A fetch fails when it has not connected within {@code jwks-connect-timeout}, when a read waits
 *     longer than {@code jwks-read-timeout}, or when the set is larger than {@code
 *     jwks-size-limit}. So a verification waits, for its own fetch or another's, at most twice
 *     those two timeouts (two fetches per interval at most; 8 s with the defaults), however many
 *     clients say hello while the issuer hangs. Only an issuer that trickles its answer a byte at
 *     a time can hold the one verification that fetches longer, up to the size limit; the others
 *     still give up in time.</li>
 * </ul>
 * There is no refresh ahead of expiry (Spring Security turns it off too): it would need a
 * background thread; instead the verifications that find the set expired wait for one fetch, as
 * above.
 */
public final class Authenticator {

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

    /** Whether a verification may wait for the issuer: jwt mode with a key set URL ({@code jwk-set-uri}). */
    public boolean fetchesKeys() {
        return decoder != null && !settings.jwt().jwkSetUri().isEmpty();
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
            if (e.getCause() instanceof RateLimitReachedException) { // it has no message of its own
                throw new AuthException("token rejected: no key for it among the issuer's keys this node holds, and "
                        + "those were fetched too recently to fetch them again; try later");
            }
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
        return shown.length() <= FrameCodec.MAX_NAME ? shown : shown.substring(0, FrameCodec.MAX_NAME);
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
            decoder = NimbusJwtDecoder.withJwkSource(keySet(jwt)).build(); // RS256
        }
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(
                new JwtTimestampValidator(jwt.clockSkew()),
                new JwtClaimValidator<>(JwtClaimNames.EXP, Objects::nonNull),
                new JwtIssuerValidator(jwt.issuer()),
                new JwtAudienceValidator(jwt.audience()));
        decoder.setJwtValidator(validator);
        return decoder;
    }

    /** The issuer's key set: fetched lazily, cached, rate limited, each fetch bounded (see the class Javadoc). */
    private static JWKSource<SecurityContext> keySet(SwitchboardProperties.Jwt jwt) {
        URL url;
        try {
            url = URI.create(jwt.jwkSetUri()).toURL();
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw new IllegalStateException("switchboard.auth.jwt.jwk-set-uri is not a URL: " + jwt.jwkSetUri(), e);
        }
        int connectTimeout = millis("jwks-connect-timeout", jwt.jwksConnectTimeout());
        int readTimeout = millis("jwks-read-timeout", jwt.jwksReadTimeout());
        long sizeLimit = jwt.jwksSizeLimit().toBytes();
        if (sizeLimit <= 0 || sizeLimit > Integer.MAX_VALUE) {
            throw new IllegalStateException("switchboard.auth.jwt.jwks-size-limit must be positive and below 2GB");
        }
        Duration refetch = jwt.jwksRefetchInterval();
        if (refetch.toMillis() < 1 || refetch.compareTo(jwt.jwksCacheTtl()) >= 0) {
            throw new IllegalStateException("switchboard.auth.jwt.jwks-refetch-interval must be positive and shorter "
                    + "than switchboard.auth.jwt.jwks-cache-ttl");
        }
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(connectTimeout, readTimeout, (int) sizeLimit);
        return JWKSourceBuilder.<SecurityContext>create(url, retriever)
                .cache(jwt.jwksCacheTtl().toMillis(), (long) connectTimeout + readTimeout) // then a waiting caller gives up
                .refreshAheadCache(false)
                .rateLimited(refetch.toMillis())
                .build();
    }

    private static int millis(String setting, Duration duration) {
        if (duration.toMillis() < 1 || duration.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalStateException("switchboard.auth.jwt." + setting + " must be positive and below 24 days");
        }
        return (int) duration.toMillis();
    }
}

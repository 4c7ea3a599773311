package io.switchboard.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** Signed test tokens (HS256, or RS256 for a JWKS), made with Nimbus (the library the node verifies them with). */
public final class Tokens {

    public static final String SECRET = "test-secret-of-at-least-32-bytes!";
    public static final String ISSUER = "https://issuer.test";
    public static final String AUDIENCE = "switchboard";

    /** The settings of a node that takes these tokens, and {@code more}. */
    public static String[] jwtNode(String... more) {
        List<String> settings = new java.util.ArrayList<>(List.of("switchboard.auth.mode=jwt",
                "switchboard.auth.jwt.secret=" + SECRET, "switchboard.auth.jwt.issuer=" + ISSUER,
                "switchboard.auth.jwt.audience=" + AUDIENCE));
        settings.addAll(List.of(more));
        return settings.toArray(String[]::new);
    }

    /** A token for {@code sub} valid for {@code ttl} (negative: expired), from the test issuer to the test audience. */
    public static String token(String sub, String name, Duration ttl, List<String> rooms) {
        return sign(claims(sub, name, ttl, rooms).build(), SECRET);
    }

    public static JWTClaimsSet.Builder claims(String sub, String name, Duration ttl, List<String> rooms) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)));
        if (name != null) {
            claims.claim("name", name);
        }
        if (!rooms.isEmpty()) {
            claims.claim("rooms", rooms);
        }
        return claims;
    }

    public static String sign(JWTClaimsSet claims, String secret) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code claims} signed RS256 with {@code key}, its header naming the key's id ({@code kid}). */
    public static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private Tokens() {
    }
}

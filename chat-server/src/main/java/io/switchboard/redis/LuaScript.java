package io.switchboard.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script shipped beside the class that runs it, run with {@code EVALSHA} and, when Redis does
 * not know it yet (new, restarted, or a replica just promoted), with {@code EVAL}: one round trip
 * in the usual case, never blocking the caller.
 */
public final class LuaScript {

    private final String source;
    private final String sha;

    private LuaScript(String source, String sha) {
        this.source = source;
        this.sha = sha;
    }

    /** Reads {@code name} next to {@code owner}, with its class loader. */
    public static LuaScript load(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LuaScript of(String source) {
        try {
            return new LuaScript(source, HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script's text. */
    public String source() {
        return source;
    }

    /**
     * A script made of others' texts, each a local function of its own {@code KEYS} and {@code ARGV}
     * (named as given), followed by {@code body}, which calls them.
     */
    public static LuaScript compose(String body, String... namesAndSources) {
        StringBuilder source = new StringBuilder();
        for (int i = 0; i + 1 < namesAndSources.length; i += 2) {
            source.append("local function ").append(namesAndSources[i]).append("(KEYS, ARGV)\n")
                    .append(namesAndSources[i + 1]).append("\nend\n");
        }
        source.append(body);
        return of(source.toString());
    }

    /** Runs the script; the answer is Redis's reply as a list (multi-bulk). */
    public <T> CompletableFuture<T> eval(RedisClusterAsyncCommands<String, String> commands, String[] keys,
                                         String... args) {
        return commands.<T>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? commands.<T>eval(source, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}

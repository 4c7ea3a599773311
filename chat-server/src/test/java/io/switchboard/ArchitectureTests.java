package io.switchboard;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.switchboard.cluster.NodeRegistry;
import io.switchboard.redis.RedisWait;
import java.util.concurrent.Future;

/**
 * The packages of chat-server and their one-way arrows (docs/architecture.md): each may use only the
 * packages below it, none is part of a cycle. Lowest first: {@code protocol}, {@code config},
 * {@code redis}, {@code broker}, {@code cluster}, {@code presence}, {@code auth}, {@code limits},
 * {@code room}, {@code session}, {@code rebalance}, {@code drain}, {@code api}. A lower package that needs
 * something of a higher one declares a small interface the higher one implements ({@code
 * cluster.ConnectionCount}, {@code room.Recipient}, {@code session.Placement}).
 */
@AnalyzeClasses(packages = "io.switchboard", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    private static final String[] ORDER = {"protocol", "config", "redis", "broker", "cluster", "presence", "auth",
        "limits", "room", "session", "rebalance", "drain", "webhook", "console", "api"};

    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("io.switchboard.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule eachPackageUsesOnlyThoseBelowIt = layers();

    /** One way of talking to Redis: Lettuce's asynchronous API (Spring's template and listener container are not used). */
    @ArchTest
    static final ArchRule oneRedisLayer = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework.data.redis.core..", "org.springframework.data.redis.listener..",
                    "io.lettuce.core.api.sync..", "io.lettuce.core.cluster.api.sync..")
            .because("every Redis call goes through Lettuce's asynchronous API (docs/architecture.md, \"Threads\")");

    /** A lane or a frame's thread never waits: not on a future, not for Redis through what may wait. */
    @ArchTest
    static final ArchRule roomsAndSessionsNeverWait = noClasses().that().resideInAnyPackage("..room..", "..session..")
            .should().callMethodWhere(target(name("get").or(name("join")))
                    .and(target(owner(assignableTo(Future.class)))))
            .orShould().callMethodWhere(target(owner(assignableTo(RedisWait.class))))
            .because("lane, frame and handshake threads never wait (docs/architecture.md, \"Threads\")");

    /** What waits for Redis in the registry is for management threads: the hot paths read its snapshot. */
    @ArchTest
    static final ArchRule onlyManagementReadsTheRegistryFromRedis = noClasses()
            .that().resideInAnyPackage("..room..", "..session..", "..limits..", "..broker..", "..presence..", "..auth..")
            .should().callMethodWhere(target(name("nodes").or(name("setState")).or(name("tryDrain")))
                    .and(target(owner(assignableTo(NodeRegistry.class)))))
            .because("NodeRegistry.nodes, setState and tryDrain wait for Redis; lastSeen() does not");

    private static ArchRule layers() {
        var architecture = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (String name : ORDER) {
            architecture = architecture.layer(name).definedBy("io.switchboard." + name + "..");
        }
        for (int i = 0; i < ORDER.length; i++) {
            String[] above = java.util.Arrays.copyOfRange(ORDER, i + 1, ORDER.length);
            if (above.length == 0) {
                architecture = architecture.whereLayer(ORDER[i]).mayNotBeAccessedByAnyLayer();
            } else {
                architecture = architecture.whereLayer(ORDER[i]).mayOnlyBeAccessedByLayers(above);
            }
        }
        return architecture;
    }
}

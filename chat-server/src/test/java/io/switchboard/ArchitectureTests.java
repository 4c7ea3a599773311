package io.switchboard;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The packages of chat-server and their one-way arrows (docs/architecture.md): each may use only the
 * packages below it, none is part of a cycle. Lowest first: {@code protocol}, {@code config},
 * {@code redis}, {@code broker}, {@code cluster}, {@code presence}, {@code auth}, {@code limits},
 * {@code room}, {@code session}, {@code rebalance}, {@code drain}. A lower package that needs
 * something of a higher one declares a small interface the higher one implements ({@code
 * cluster.ConnectionCount}, {@code room.Recipient}, {@code session.Placement}).
 */
@AnalyzeClasses(packages = "io.switchboard", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    private static final String[] ORDER = {"protocol", "config", "redis", "broker", "cluster", "presence", "auth",
        "limits", "room", "session", "rebalance", "drain"};

    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("io.switchboard.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule eachPackageUsesOnlyThoseBelowIt = layers();

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

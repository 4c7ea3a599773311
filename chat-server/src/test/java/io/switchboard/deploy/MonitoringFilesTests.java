package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Actuator;
import io.switchboard.support.Command;
import io.switchboard.support.Node;
import io.switchboard.support.RedisServer;
import io.switchboard.support.Unique;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The monitoring files (deploy/prometheus, deploy/grafana; docs/operations.md, "Dashboard and
 * alerts"), checked with Prometheus's own tool and against a real node: the rules load and fire as
 * their unit tests say, and every metric the dashboard and the rules query is one a node exports.
 */
class MonitoringFilesTests {

    private static final Path ALERTS = Command.ROOT.resolve("deploy/prometheus/alerts.yml");
    private static final Path DASHBOARD = Command.ROOT.resolve("deploy/grafana/switchboard.json");
    /** A metric name in a PromQL expression: one of the node's, Lettuce's, or Prometheus's {@code up}. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:switchboard|lettuce)_[a-z0-9_]+|up)\\b(?=\\s*[{\\[)]|\\s|$)");

    @Test
    void theAlertRulesLoadAndFireAsTheirUnitTestsSay() {
        Command.require("promtool");
        Command.Result check = Command.run(List.of("promtool", "check", "rules", "deploy/prometheus/alerts.yml"), Map.of(), 60);
        assertThat(check.exitCode()).as(check.output()).isZero();
        Command.Result config = Command.run(List.of("promtool", "check", "config", "deploy/prometheus/prometheus.yml"),
                Map.of(), 60);
        assertThat(config.exitCode()).as(config.output()).isZero();
        Command.Result tests = Command.run(List.of("promtool", "test", "rules", "deploy/prometheus/alerts.test.yml"),
                Map.of(), 60);
        assertThat(tests.exitCode()).as(tests.output()).isZero();
        assertThat(tests.output()).contains("SUCCESS");
    }

    @Test
    void composesMonitoringProfileMountsTheRulesTheConfigurationAndTheDashboard() {
        Command.require("docker-compose");
        Command.Result config = Command.run(List.of("docker-compose", "-f", "docker-compose.yml", "--profile", "monitoring",
                "config"), Map.of(), 60);
        assertThat(config.exitCode()).as(config.output()).isZero();
        JsonNode compose = YAMLMapper.builder().build().readTree(config.output());
        List<String> mounted = new java.util.ArrayList<>();
        for (String service : List.of("prometheus", "grafana")) {
            assertThat(compose.at("/services/" + service + "/profiles").toString()).as("only in the profile")
                    .isEqualTo("[\"monitoring\"]");
            // docker-compose writes a volume as source:target[:mode], or (newer) as an object
            compose.at("/services/" + service + "/volumes").forEach(volume -> mounted.add(volume.isString()
                    ? volume.asString().split(":")[0] : volume.path("source").asString()));
        }
        assertThat(mounted).allSatisfy(source -> assertThat(Path.of(source)).exists());
        assertThat(mounted).anySatisfy(source -> assertThat(source).endsWith("deploy/prometheus/alerts.yml"))
                .anySatisfy(source -> assertThat(source).endsWith("deploy/prometheus/prometheus.yml"))
                .anySatisfy(source -> assertThat(source).endsWith("deploy/grafana/switchboard.json"))
                .anySatisfy(source -> assertThat(source).endsWith("deploy/grafana/provisioning"));
    }

    @Test
    void theDashboardHasANodeVariableAndEveryPanelQueriesIt() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(DASHBOARD.toFile());
        assertThat(dashboard.at("/templating/list").valueStream().map(v -> v.path("name").asString()))
                .contains("datasource", "instance");
        assertThat(dashboard.path("panels").valueStream().toList()).hasSizeGreaterThanOrEqualTo(10)
                .allSatisfy(panel -> assertThat(panel.path("targets").valueStream().toList()).isNotEmpty()
                        .allSatisfy(target -> assertThat(target.path("expr").asString()).contains("$instance")));
    }

    @Test
    void everyMetricTheDashboardAndTheRulesQueryIsOneARealNodeExports() throws IOException {
        Set<String> queried = new TreeSet<>();
        JsonNode dashboard = JsonMapper.builder().build().readTree(DASHBOARD.toFile());
        dashboard.path("panels").forEach(panel -> panel.path("targets")
                .forEach(target -> queried.addAll(metrics(target.path("expr").asString()))));
        JsonNode rules = YAMLMapper.builder().build().readTree(Files.readString(ALERTS));
        rules.path("groups").forEach(group -> group.path("rules")
                .forEach(rule -> queried.addAll(metrics(rule.path("expr").asString()))));
        queried.remove("up"); // Prometheus's own, per target
        assertThat(queried).contains("switchboard_connections", "switchboard_fanout_latency_seconds_bucket",
                "lettuce_command_completion_seconds_sum", "switchboard_webhooks_parked_total");

        try (RedisServer redis = RedisServer.create();
             Node node = Node.onRedis(redis.port(), Unique.prefix("t"), "n1",
                     "switchboard.webhooks[0].url=http://127.0.0.1:9/hooks",
                     "switchboard.webhooks[0].secret=whsec-0123456789abcdef0123456789")) {
            String exported = Actuator.get(node.managementPort(), "/actuator/prometheus").body();
            Set<String> names = new TreeSet<>();
            for (String line : exported.split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    names.add(line.split("[{ ]", 2)[0]);
                }
            }
            assertThat(names).as("what a node exports").containsAll(queried);
        }
    }

    private static Set<String> metrics(String expression) {
        Set<String> found = new TreeSet<>();
        Matcher m = METRIC.matcher(expression);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}

package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.switchboard.support.Command;
import io.switchboard.support.NodeProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files, checked with the real tools that read them (docker-compose, kubectl's
 * kustomize, haproxy) and parsed into typed objects to check their wiring against the app's own
 * configuration: ports, probe paths, the drain's timeout against grace periods, selectors.
 */
class DeploymentFilesTests {

    /** What a client could send to claim another address, host or scheme; HAProxy deletes them all. */
    private static final List<String> FORWARDING_HEADERS = List.of("Forwarded", "X-Forwarded-For",
            "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Real-IP");
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static JsonNode application;
    private static int chatPort;
    private static int managementPort;
    private static Duration shutdownTimeout;
    private static List<JsonNode> kustomized;

    @BeforeAll
    static void readApplicationConfiguration() throws IOException {
        application = YAML.readTree(Files.readString(
                Command.ROOT.resolve("chat-server/src/main/resources/application.yml")));
        chatPort = application.at("/server/port").asInt();
        managementPort = application.at("/management/server/port").asInt();
        // the default of switchboard.drain.shutdown-timeout (SwitchboardProperties.Drain)
        shutdownTimeout = Duration.ofSeconds(30);
        assertThat(application.at("/management/endpoint/health/probes/enabled").asBoolean()).isTrue();
    }

    @Test
    void composeFileIsValidAndAgreesWithTheApp() throws IOException {
        Command.require("docker-compose");
        Command.Result check = Command.run(List.of("docker-compose", "-f", "docker-compose.yml", "config", "-q"),
                Map.of(), 60);
        assertThat(check.exitCode()).as(check.output()).isZero();

        JsonNode compose = YAML.readTree(Files.readString(Command.ROOT.resolve("docker-compose.yml")));
        JsonNode chat = compose.at("/services/chat-server");
        assertThat(chat.at("/deploy/replicas").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(chat.at("/environment/SWITCHBOARD_BROKER").asString()).isEqualTo("redis");
        assertThat(chat.at("/depends_on/redis/condition").asString()).isEqualTo("service_healthy");
        assertThat(compose.at("/services/redis/healthcheck/test").toString()).contains("ping");
        assertThat(DurationStyle.detectAndParse(chat.at("/stop_grace_period").asString())).isGreaterThan(shutdownTimeout);
        // the actuator only on the host's loopback; the public port only on the load balancer
        assertThat(chat.at("/ports").toString()).contains("127.0.0.1:").contains(":" + managementPort)
                .doesNotContain(":" + chatPort + "\"");
        JsonNode lb = compose.at("/services/lb");
        assertThat(lb.at("/ports").toString()).contains(chatPort + ":8080");
        assertThat(lb.at("/environment/CHAT_MANAGEMENT_PORT").asString()).isEqualTo(Integer.toString(managementPort));
        assertThat(lb.at("/volumes").toString()).contains("./deploy/haproxy.cfg");
        // the replicas' second chat port is the one the load balancer's second template routes to,
        // and the load balancer may use every source port towards each (docs/operations.md)
        String second = chat.at("/environment/SWITCHBOARD_ADDITIONAL_PORTS").asString();
        assertThat(second).matches("\\d+");
        assertThat(Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg")))
                .containsPattern("(?m)^    server-template chat-more- .*\"\\$\\{CHAT_SERVICE-chat-server}\":" + second + " ");
        assertThat(lb.at("/sysctls/net.ipv4.ip_local_port_range").asString()).isEqualTo("1024 65535");
    }

    @Test
    void composeTakesTheManagementPasswordFromTheEnvironmentOrDotEnvWithAPlaceholderOtherwise() throws IOException {
        Command.require("docker-compose");
        // set in the shell (or .env, which compose reads the same way and git ignores)
        assertThat(composedPassword("from-the-environment")).isEqualTo("from-the-environment");
        // unset or empty: a placeholder that says what it is, so a fresh clone starts without a file of its own
        String placeholder = composedPassword("");
        assertThat(placeholder).contains("placeholder");
        assertThat(Files.readString(Command.ROOT.resolve("docker-compose.yml")))
                .contains("${SWITCHBOARD_MANAGEMENT_PASSWORD:-" + placeholder + "}");
        assertThat(Files.readAllLines(Command.ROOT.resolve(".gitignore"))).contains(".env");
    }

    /** SWITCHBOARD_MANAGEMENT_PASSWORD as {@code docker-compose config} resolves it for the chat-server replicas. */
    private static String composedPassword(String environment) {
        Command.Result config = Command.run(List.of("docker-compose", "-f", "docker-compose.yml", "config"),
                Map.of("SWITCHBOARD_MANAGEMENT_PASSWORD", environment), 60);
        assertThat(config.exitCode()).as(config.output()).isZero();
        JsonNode compose = YAML.readTree(config.output());
        assertThat(compose.at("/services/lb/environment/SWITCHBOARD_MANAGEMENT_PASSWORD").isMissingNode()).isTrue();
        return compose.at("/services/chat-server/environment/SWITCHBOARD_MANAGEMENT_PASSWORD").asString();
    }

    @Test
    void loadBalancerConfigIsValidAndChecksReadinessOnTheManagementPort() throws IOException {
        Command.require("haproxy");
        Command.Result check = Command.run(List.of("haproxy", "-c", "-f", "deploy/haproxy.cfg"), Map.of(
                "LB_BIND", "127.0.0.1:8080", "CHAT_SERVICE", "chat-server",
                "CHAT_MANAGEMENT_PORT", Integer.toString(managementPort)), 30);
        assertThat(check.exitCode()).as(check.output()).isZero();

        String config = Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg"));
        assertThat(config).contains("balance leastconn", "timeout tunnel", "retry-on", " 503",
                "option httpchk GET /actuator/health/readiness",
                "check port \"${CHAT_MANAGEMENT_PORT-" + managementPort + "}\"", ":" + chatPort + " ");
    }

    @Test
    void loadBalancerConfigValidatesWithItsHeadersCommandAsWrittenWithoutItsVariables() throws IOException {
        Command.require("haproxy");
        String config = Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg"));
        Matcher header = Pattern.compile("(?m)^#.*Validate with: (.+)$").matcher(config);
        assertThat(header.find()).as("a 'Validate with:' command in the header").isTrue();
        Command.Result check = Command.run(List.of("env", "-u", "LB_BIND", "-u", "CHAT_SERVICE", "-u",
                "CHAT_MANAGEMENT_PORT", "bash", "-c", header.group(1)), Map.of(), 30);
        assertThat(check.exitCode()).as(header.group(1) + ": " + check.output()).isZero();
        // the defaults are what docker-compose.yml sets
        JsonNode lb = YAML.readTree(Files.readString(Command.ROOT.resolve("docker-compose.yml"))).at("/services/lb/environment");
        for (String variable : List.of("LB_BIND", "CHAT_SERVICE", "CHAT_MANAGEMENT_PORT")) {
            assertThat(config).contains("\"${" + variable + "-" + lb.at("/" + variable).asString() + "}\"");
        }
    }

    @Test
    void loadBalancerDeletesTheClientsForwardingHeadersBeforeItAddsItsOwn() throws IOException {
        List<String> frontend = haproxySection("frontend chat");
        int forwardFor = frontend.indexOf("option forwardfor");
        assertThat(forwardFor).as("option forwardfor in frontend chat: %s", frontend).isNotNegative();
        int lastDelete = -1;
        for (String header : FORWARDING_HEADERS) {
            int delete = frontend.indexOf("http-request del-header " + header);
            assertThat(delete).as("del-header %s before option forwardfor: %s", header, frontend)
                    .isNotNegative().isLessThan(forwardFor);
            lastDelete = Math.max(lastDelete, delete);
        }
        for (String header : List.of("X-Forwarded-Proto", "X-Forwarded-Host")) {
            int set = indexOfPrefix(frontend, "http-request set-header " + header + " ");
            assertThat(set).as("%s set after the deletes: %s", header, frontend).isGreaterThan(lastDelete);
        }
        // nothing between the client and the frontend's deletes may add them back
        assertThat(haproxySection("backend chat")).noneMatch(line -> line.startsWith("http-request"));
    }

    @Test
    void aNodeBehindTheLoadBalancerSeesItsForwardingHeadersNotTheClients(@TempDir Path dir) throws Exception {
        Command.require("haproxy");
        Map<String, List<String>> seen = new ConcurrentSkipListMap<>(String.CASE_INSENSITIVE_ORDER);
        HttpServer node = headerRecorder(seen);
        HttpServer management = headerRecorder(new ConcurrentSkipListMap<>(String.CASE_INSENSITIVE_ORDER));
        int lbPort = NodeProcess.freePort();
        // one server line instead of the template, as scripts/cluster does
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, Files.readString(Command.ROOT.resolve("deploy/haproxy.cfg")).replaceFirst(
                "(?m)^    server-template chat- .*$", "    server node1 127.0.0.1:" + node.getAddress().getPort()
                        + " port " + management.getAddress().getPort()).replaceFirst("(?m)^    server-template chat-more- .*$", ""));
        Path log = dir.resolve("haproxy.log");
        ProcessBuilder builder = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("LB_BIND", "127.0.0.1:" + lbPort, "CHAT_SERVICE", "unused",
                "CHAT_MANAGEMENT_PORT", Integer.toString(management.getAddress().getPort())));
        Process haproxy = builder.start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest spoofed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lbPort + "/ws"))
                    .header("X-Forwarded-For", "203.0.113.7").header("X-Forwarded-For", "203.0.113.8")
                    .header("Forwarded", "for=203.0.113.7;proto=https;host=evil.example")
                    .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Port", "443").header("X-Real-IP", "203.0.113.7").build();
            // HAProxy answers 503 itself until two readiness checks have passed (rise 2, inter 1s)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                    .untilAsserted(() -> assertThat(status(client, spoofed) == 200)
                    .as(() -> "200 through HAProxy; its output: " + readQuietly(log)).isTrue());
        } finally {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
            node.stop(0);
            management.stop(0);
        }
        assertThat(seen).containsEntry("X-Forwarded-For", List.of("127.0.0.1"))
                .containsEntry("X-Forwarded-Proto", List.of("http"))
                .containsEntry("X-Forwarded-Host", List.of("127.0.0.1:" + lbPort))
                .doesNotContainKeys("Forwarded", "X-Forwarded-Port", "X-Real-IP");
    }

    /** An HTTP server on a free port that answers 200 to anything and keeps the last request's headers in a map
     * whose keys ignore case. */
    private static HttpServer headerRecorder(Map<String, List<String>> headers) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            headers.clear();
            headers.putAll(exchange.getRequestHeaders());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static int status(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The directives of one section of deploy/haproxy.cfg, trimmed, without comments and blank lines. */
    private static List<String> haproxySection(String header) throws IOException {
        List<String> section = new ArrayList<>();
        boolean inside = false;
        for (String line : Files.readAllLines(Command.ROOT.resolve("deploy/haproxy.cfg"))) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#")) {
                inside = line.trim().equals(header);
            } else if (inside && !line.isBlank() && !line.trim().startsWith("#")) {
                section.add(line.trim());
            }
        }
        assertThat(section).as("section %s in deploy/haproxy.cfg", header).isNotEmpty();
        return section;
    }

    private static int indexOfPrefix(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void dockerfileRunsTheLayeredJarAsNonRootWithTheSameEntrypointFlags() throws IOException {
        String dockerfile = Files.readString(Command.ROOT.resolve("Dockerfile"));
        assertThat(dockerfile).contains("./mvnw -B -q -DskipTests -pl chat-server -am package", "extract --layers", "USER switchboard",
                "ENTRYPOINT [\"java\", \"-XX:AOTCache=switchboard.aot\", \"-jar\", \"chat-server.jar\"]",
                "EXPOSE " + chatPort + " " + managementPort, "MaxRAMPercentage", "-XX:MaxGCPauseMillis=20",
                "/dev/tcp/127.0.0.1/" + managementPort + "", "/actuator/health/liveness");
    }

    @Test
    void kubernetesManifestsRenderAndAreWiredToTheApp() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        Service service = one(documents, "Service", "chat-server", Service.class);
        PodDisruptionBudget budget = one(documents, "PodDisruptionBudget", "chat-server", PodDisruptionBudget.class);
        Ingress ingress = one(documents, "Ingress", "chat-server", Ingress.class);
        // the nodes reach the demo Redis through its Service
        Service redisService = one(documents, "Service", one(documents, "ConfigMap", "chat-server", JsonNode.class)
                .at("/data/SPRING_DATA_REDIS_HOST").asString(), Service.class);
        assertThat(redisService.getSpec().getSelector()).isNotEmpty();
        assertThat(redisPods(documents).getMetadata().getLabels()).containsAllEntriesOf(redisService.getSpec().getSelector());

        var spec = chat.getSpec();
        assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
        Map<String, String> podLabels = spec.getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(spec.getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(spec.getTemplate().getSpec().getTopologySpreadConstraints()).isNotEmpty();

        var container = spec.getTemplate().getSpec().getContainers().getFirst();
        Map<String, Integer> ports = containerPorts(chat);
        assertThat(ports).containsEntry("chat", chatPort).containsEntry("management", managementPort);
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        for (HTTPGetAction probe : List.of(container.getStartupProbe().getHttpGet(),
                container.getLivenessProbe().getHttpGet(), container.getReadinessProbe().getHttpGet())) {
            assertThat(probe.getPort().getStrVal()).isEqualTo("management");
            assertThat(probe.getPath()).isIn("/actuator/health/liveness", "/actuator/health/readiness");
        }
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");

        List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
        long preStopSeconds = Long.parseLong(preStop.getLast());
        assertThat(preStop.getFirst()).isEqualTo("sleep");
        Duration timeout = DurationStyle.detectAndParse(one(documents, "ConfigMap", "chat-server", JsonNode.class)
                .at("/data/SWITCHBOARD_DRAIN_SHUTDOWN_TIMEOUT").asString());
        assertThat(Duration.ofSeconds(spec.getTemplate().getSpec().getTerminationGracePeriodSeconds()))
                .as("preStop plus the drain fit in the grace period")
                .isGreaterThan(timeout.plusSeconds(preStopSeconds));

        // the management port is in no Service and no Ingress
        for (JsonNode document : documents) {
            if ("Service".equals(document.at("/kind").asString())) {
                assertThat(document.at("/spec/ports").toString()).doesNotContain("management")
                        .doesNotContain(":" + managementPort);
            }
        }
        var backend = ingress.getSpec().getRules().getFirst().getHttp().getPaths().getFirst().getBackend().getService();
        assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
        assertThat(backend.getPort().getName()).isEqualTo("chat");
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("chat"));
        assertThat(ingress.getMetadata().getAnnotations()).containsKey("nginx.ingress.kubernetes.io/proxy-read-timeout");
        // a node above its share while connections move answers 503: the ingress must retry it elsewhere
        assertThat(ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-next-upstream"))
                .contains("http_503");
    }

    @Test
    void theAutoscalerAloneSetsHowManyChatServerPodsRun() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        HorizontalPodAutoscaler autoscaler = one(documents, "HorizontalPodAutoscaler", "chat-server",
                HorizontalPodAutoscaler.class);
        var target = autoscaler.getSpec().getScaleTargetRef();
        assertThat(List.of(target.getApiVersion(), target.getKind(), target.getName()))
                .containsExactly(chat.getApiVersion(), chat.getKind(), chat.getMetadata().getName());
        // a count in the Deployment would scale it back on every `kubectl apply -k`, whatever the autoscaler chose
        assertThat(chat.getSpec().getReplicas()).as("replicas in the Deployment beside its autoscaler").isNull();
        // a rolling upgrade drains one pod onto the others: at least three, however quiet the cluster
        assertThat(autoscaler.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(3);
        assertThat(autoscaler.getSpec().getMaxReplicas()).isGreaterThanOrEqualTo(autoscaler.getSpec().getMinReplicas());
    }

    @Test
    void prometheusIsToldWhereToScrapeTheManagementPortAndIsAdmittedThere(@TempDir Path dir) throws IOException {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        Map<String, Integer> ports = containerPorts(chat);
        assertThat(application.at("/management/endpoints/web/exposure/include").asString().split(","))
                .contains("prometheus");

        // the annotations a Prometheus with annotation-based pod discovery reads
        Map<String, String> annotations = chat.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", "/actuator/prometheus");
        assertThat(Integer.parseInt(annotations.get("prometheus.io/port")))
                .isEqualTo(managementPort).isEqualTo(ports.get("management"));

        // the scraper's pods (namespace monitoring, as networkpolicy.yaml's comment says) may reach that port
        NetworkPolicy policy = one(documents, "NetworkPolicy", "chat-server", NetworkPolicy.class);
        assertThat(sources(policy.getSpec().getIngress(), ports, managementPort)).anySatisfy(peer -> {
            assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "prometheus");
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "monitoring");
        });

        // off by default (it needs the Prometheus Operator's CRDs): no PodMonitor in k8s/ as it is
        assertThat(documents).noneMatch(d -> "PodMonitor".equals(d.at("/kind").asString()));
        // the Operator's way, enabled as kustomization.yaml says: the two commented lines uncommented
        Path k8s = dir.resolve("k8s");
        try (var files = Files.walk(Command.ROOT.resolve("k8s"))) {
            for (Path file : files.toList()) {
                Files.copy(file, k8s.resolve(Command.ROOT.resolve("k8s").relativize(file).toString()));
            }
        }
        Path kustomization = k8s.resolve("kustomization.yaml");
        String commented = "# components:\n#   - prometheus-operator\n";
        assertThat(Files.readString(kustomization)).contains(commented);
        Files.writeString(kustomization, Files.readString(kustomization)
                .replace(commented, "components:\n  - prometheus-operator\n"));
        List<JsonNode> withOperator = render(k8s.toString());
        assertThat(withOperator.stream().map(DeploymentFilesTests::kindAndName).toList())
                .as("everything of k8s/ and a PodMonitor")
                .containsAll(documents.stream().map(DeploymentFilesTests::kindAndName).toList())
                .hasSize(documents.size() + 1);
        JsonNode monitor = one(withOperator, "PodMonitor", "chat-server", JsonNode.class);
        assertThat(monitor.at("/apiVersion").asString()).isEqualTo("monitoring.coreos.com/v1");
        Map<String, String> selected = YAML.treeToValue(monitor.at("/spec/selector"), LabelSelector.class).getMatchLabels();
        assertThat(selected).isNotEmpty();
        assertThat(chat.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selected);
        JsonNode endpoints = monitor.at("/spec/podMetricsEndpoints");
        assertThat(endpoints.size()).isEqualTo(1);
        assertThat(ports.get(endpoints.get(0).at("/port").asString())).as("a named container port").isEqualTo(managementPort);
        assertThat(endpoints.get(0).at("/path").asString()).isEqualTo(annotations.get("prometheus.io/path"));
    }

    @Test
    void clusterAddressIsThePodIpAndTheChatPort() {
        Deployment chat = one(kustomize(), "Deployment", "chat-server", Deployment.class);
        List<EnvVar> env = chat.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv();
        List<String> names = env.stream().map(EnvVar::getName).toList();
        EnvVar address = env.get(names.indexOf("SWITCHBOARD_CLUSTER_ADDRESS"));
        // host:port of the chat port (ClusterConfiguration); its host with the management port is
        // where the other nodes ask this node's broker health
        assertThat(address.getValue()).as("SWITCHBOARD_CLUSTER_ADDRESS").isNotNull()
                .endsWith(":" + containerPorts(chat).get("chat")).endsWith(":" + chatPort);

        // Kubernetes expands $(NAME) only for a variable defined earlier in the list; otherwise it
        // passes the text on as it is
        Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(address.getValue());
        String expanded = address.getValue();
        while (reference.find()) {
            String name = reference.group(1);
            assertThat(names.indexOf(name)).as("%s defined before SWITCHBOARD_CLUSTER_ADDRESS", name)
                    .isBetween(0, names.indexOf("SWITCHBOARD_CLUSTER_ADDRESS") - 1);
            assertThat(env.get(names.indexOf(name)).getValueFrom().getFieldRef().getFieldPath())
                    .as("%s", name).isEqualTo("status.podIP");
            expanded = expanded.replace(reference.group(), "10.1.2.3");
        }
        assertThat(expanded).isEqualTo("10.1.2.3:" + chatPort);
    }

    @Test
    void chatServerImageNamesTheRegistryItIsPulledFrom() {
        Deployment chat = one(kustomize(), "Deployment", "chat-server", Deployment.class);
        String image = chat.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
        // without a registry host the name is Docker Hub's, where no Switchboard image is published and
        // whoever owns the name decides what runs: kustomization.yaml's images entry names the registry
        // the operator pushes to (README, "Deploy")
        assertThat(registry(image)).as("a registry host in %s", image).isNotNull();
    }

    @Test
    void aReusedImageTagIsAlwaysPulledAndTheChatServerHasATagOfItsOwn() {
        List<JsonNode> documents = kustomize();
        podTemplates(documents).forEach((workload, template) -> {
            for (Container container : template.getSpec().getContainers()) {
                if (reusedTag(container.getImage())) {
                    // with IfNotPresent a node keeps running whatever it pulled first under that tag
                    assertThat(pullPolicy(container)).as("%s in %s: a tag pushed again is pulled again only with Always",
                            container.getImage(), workload).isEqualTo("Always");
                }
            }
        });
        Container chat = one(documents, "Deployment", "chat-server", Deployment.class).getSpec().getTemplate().getSpec()
                .getContainers().getFirst();
        // a new build is a new tag, which changes the pod template: what `kubectl apply -k` rolls out
        assertThat(reusedTag(chat.getImage())).as("%s: a tag of its own, not latest or -SNAPSHOT", chat.getImage())
                .isFalse();
        assertThat(chat.getImagePullPolicy()).as("written down, not left to Kubernetes' default").isNotNull();
    }

    @Test
    void networkPolicyAdmitsTheChatPortFromTheIngressControllerAndTheManagementPortFromPrometheusAndPeersOnly() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        NetworkPolicy policy = one(documents, "NetworkPolicy", "chat-server", NetworkPolicy.class);
        Map<String, String> selected = policy.getSpec().getPodSelector().getMatchLabels();
        assertThat(selected).isNotEmpty();
        assertThat(chat.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selected);
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");

        Map<String, Integer> ports = containerPorts(chat);
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
            // an empty list of ports admits every port, an empty list of sources every source
            assertThat(rule.getPorts()).isNotEmpty()
                    .allSatisfy(port -> assertThat(port.getEndPort()).as("no port ranges").isNull());
            assertThat(rule.getFrom()).isNotEmpty().allSatisfy(peer -> {
                assertThat(peer.getIpBlock()).as("no address ranges").isNull();
                assertThat(peer.getPodSelector().getMatchLabels()).isNotEmpty();
                // these pods in that namespace (an empty namespace selector is every namespace), or,
                // with no namespace selector, the chat-server pods of this one
                if (peer.getNamespaceSelector() == null) {
                    assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(selected);
                } else {
                    assertThat(peer.getNamespaceSelector().getMatchLabels()).isNotEmpty();
                }
            });
        });
        assertThat(rules.stream().flatMap(rule -> rule.getPorts().stream()).map(port -> number(port, ports)))
                .containsOnly(chatPort, managementPort);
        assertThat(sources(rules, ports, chatPort)).isNotEmpty().allSatisfy(peer -> assertThat(
                peer.getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "ingress-nginx"));
        // the scraper, and the other nodes (a node cut off from Redis asks them for their broker health)
        assertThat(sources(rules, ports, managementPort)).isNotEmpty().allSatisfy(peer -> assertThat(
                peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/name")).isIn("prometheus", "chat-server"))
                .anySatisfy(peer -> assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(selected));
    }

    @Test
    void theDemoRedisWritesItsAppendOnlyFileToAPersistentVolume() {
        List<JsonNode> documents = kustomize();
        JsonNode workload = redisWorkload(documents);
        PodTemplateSpec pods = redisPods(documents);
        Container redis = pods.getSpec().getContainers().getFirst();
        Map<String, String> options = redisOptions(redis);
        // the demo keeps its rooms and history across restarts, as docker-compose's Redis does
        assertThat(options).containsEntry("appendonly", "yes");

        // and what AOF writes outlives the container: a claimed volume mounted at --dir
        if ("yes".equals(options.get("appendonly"))) {
            String dir = options.get("dir");
            assertThat(dir).as("--dir: where the append-only file goes").isNotNull();
            List<String> persistent = new ArrayList<>();
            if ("StatefulSet".equals(workload.at("/kind").asString())) {
                StatefulSet set = YAML.treeToValue(workload, StatefulSet.class);
                assertThat(set.getSpec().getReplicas()).as("a single Redis").isEqualTo(1);
                for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplates()) {
                    assertThat(claim.getSpec().getAccessModes()).contains("ReadWriteOnce");
                    assertThat(claim.getSpec().getResources().getRequests()).containsKey("storage");
                    persistent.add(claim.getMetadata().getName());
                }
            }
            for (Volume volume : pods.getSpec().getVolumes() == null ? List.<Volume>of() : pods.getSpec().getVolumes()) {
                if (volume.getPersistentVolumeClaim() != null) {
                    persistent.add(volume.getName());
                }
            }
            assertThat(redis.getVolumeMounts()).as("a volume at %s", dir)
                    .filteredOn(mount -> dir.equals(mount.getMountPath())).singleElement()
                    .satisfies(mount -> assertThat(persistent).as("persistent volumes").contains(mount.getName()));
        }
    }

    @Test
    void networkPolicyAdmitsOnlyTheChatServerPodsToTheDemoRedis() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        PodTemplateSpec redis = redisPods(documents);
        NetworkPolicy policy = one(documents, "NetworkPolicy", "redis", NetworkPolicy.class);
        Map<String, String> selected = policy.getSpec().getPodSelector().getMatchLabels();
        assertThat(selected).isNotEmpty();
        assertThat(redis.getMetadata().getLabels()).containsAllEntriesOf(selected);
        assertThat(chat.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selected.entrySet()))
                .as("the Redis policy selects no chat-server pod").isFalse();
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");

        Map<String, Integer> redisPorts = containerPorts(redis);
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).singleElement()
                    .satisfies(port -> assertThat(number(port, redisPorts)).isEqualTo(6379));
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> {
                // no namespace selector: pods of the policy's own namespace, where chat-server runs
                assertThat(peer.getNamespaceSelector()).isNull();
                assertThat(peer.getIpBlock()).isNull();
                assertThat(peer.getPodSelector().getMatchLabels()).isNotEmpty();
                assertThat(chat.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(peer.getPodSelector().getMatchLabels());
            });
        });
    }

    @Test
    void apiKeysComeFromAnOptionalSecretAndNeverFromTheFiles() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        var container = chat.getSpec().getTemplate().getSpec().getContainers().getFirst();
        // optional: the pods start without it, and the API stays off (404) until the operator adds keys
        assertThat(container.getEnvFrom()).anySatisfy(source -> {
            assertThat(source.getSecretRef()).isNotNull();
            assertThat(source.getSecretRef().getName()).isEqualTo("chat-server-api-keys");
            assertThat(source.getSecretRef().getOptional()).isTrue();
        });
        assertThat(documents.toString()).doesNotContain("SWITCHBOARD_API_KEYS");
    }

    @Test
    void managementPasswordComesFromAGeneratedSecret() {
        List<JsonNode> documents = kustomize();
        Deployment chat = one(documents, "Deployment", "chat-server", Deployment.class);
        var container = chat.getSpec().getTemplate().getSpec().getContainers().getFirst();
        EnvVar password = container.getEnv().stream()
                .filter(env -> "SWITCHBOARD_MANAGEMENT_PASSWORD".equals(env.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no SWITCHBOARD_MANAGEMENT_PASSWORD in the Deployment"));
        assertThat(password.getValue()).as("not written into the Deployment").isNull();
        SecretKeySelector reference = password.getValueFrom().getSecretKeyRef();
        // without the Secret the pod does not start, rather than start with open writes
        assertThat(reference.getOptional()).isNotEqualTo(Boolean.TRUE);
        Secret secret = one(documents, "Secret", reference.getName(), Secret.class);
        assertThat(secret.getData()).containsKey(reference.getKey());
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get(reference.getKey())),
                StandardCharsets.UTF_8)).isNotBlank();
        assertThat(one(documents, "ConfigMap", "chat-server", JsonNode.class).at("/data").toString())
                .doesNotContain("PASSWORD");
        // the probes are GETs, which need no password
        assertThat(List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe()))
                .allSatisfy(probe -> assertThat(probe.getHttpGet()).isNotNull());
    }

    private static List<NetworkPolicyPeer> sources(List<NetworkPolicyIngressRule> rules, Map<String, Integer> ports,
            int port) {
        return rules.stream().filter(rule -> rule.getPorts().stream().anyMatch(p -> number(p, ports) == port))
                .flatMap(rule -> rule.getFrom().stream()).toList();
    }

    /** A policy's port as a number: given as one, or by the name of one of the pod's container ports. */
    private static int number(NetworkPolicyPort port, Map<String, Integer> containerPorts) {
        IntOrString value = port.getPort();
        assertThat(value).as("a rule without a port admits every port").isNotNull();
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        assertThat(containerPorts).as("named port " + value.getStrVal()).containsKey(value.getStrVal());
        return containerPorts.get(value.getStrVal());
    }

    /** A tag that is pushed again for each build: latest (also implied by no tag at all), or a -SNAPSHOT. */
    private static boolean reusedTag(String image) {
        String tag = tag(image);
        return tag != null && (tag.equals("latest") || tag.endsWith("-SNAPSHOT"));
    }

    /** An image reference's tag: latest when it names none, null when it names a digest (one image for ever). */
    private static String tag(String image) {
        if (image.contains("@")) {
            return null;
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }

    /** The pull policy Kubernetes applies: as written, else Always for latest (or no tag), IfNotPresent otherwise. */
    private static String pullPolicy(Container container) {
        if (container.getImagePullPolicy() != null) {
            return container.getImagePullPolicy();
        }
        return "latest".equals(tag(container.getImage())) ? "Always" : "IfNotPresent";
    }

    /** The workload named redis: a Deployment or a StatefulSet, whichever k8s/redis.yaml makes. */
    private static JsonNode redisWorkload(List<JsonNode> documents) {
        List<JsonNode> workloads = documents.stream().filter(d -> "redis".equals(d.at("/metadata/name").asString())
                && List.of("Deployment", "StatefulSet").contains(d.at("/kind").asString())).toList();
        assertThat(workloads).as("one Deployment or StatefulSet redis").hasSize(1);
        return workloads.getFirst();
    }

    private static PodTemplateSpec redisPods(List<JsonNode> documents) {
        return YAML.treeToValue(redisWorkload(documents).at("/spec/template"), PodTemplateSpec.class);
    }

    /** redis-server's {@code --name value} options from the container's command and arguments. */
    private static Map<String, String> redisOptions(Container redis) {
        List<String> words = new ArrayList<>();
        words.addAll(redis.getCommand() == null ? List.of() : redis.getCommand());
        words.addAll(redis.getArgs() == null ? List.of() : redis.getArgs());
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < words.size() - 1; i++) {
            if (words.get(i).startsWith("--")) {
                options.put(words.get(i).substring(2), words.get(i + 1));
            }
        }
        return options;
    }

    /** The pod template of every Deployment and StatefulSet, by kind and name. */
    private static Map<String, PodTemplateSpec> podTemplates(List<JsonNode> documents) {
        Map<String, PodTemplateSpec> templates = new TreeMap<>();
        for (JsonNode document : documents) {
            String kind = document.at("/kind").asString();
            if (kind.equals("Deployment") || kind.equals("StatefulSet")) {
                templates.put(kind + " " + document.at("/metadata/name").asString(),
                        YAML.treeToValue(document.at("/spec/template"), PodTemplateSpec.class));
            }
        }
        assertThat(templates).isNotEmpty();
        return templates;
    }

    /** The registry host an image reference names, or null when it names none (Docker Hub). */
    private static String registry(String image) {
        int slash = image.indexOf('/');
        String first = slash < 0 ? "" : image.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : null;
    }

    private static Map<String, Integer> containerPorts(Deployment deployment) {
        return containerPorts(deployment.getSpec().getTemplate());
    }

    private static Map<String, Integer> containerPorts(PodTemplateSpec pods) {
        Map<String, Integer> ports = new HashMap<>();
        for (ContainerPort port : pods.getSpec().getContainers().getFirst().getPorts()) {
            ports.put(port.getName(), port.getContainerPort());
        }
        return ports;
    }

    /** {@code kubectl kustomize k8s/}, one JSON tree per document, rendered once for all tests. */
    private static synchronized List<JsonNode> kustomize() {
        if (kustomized == null) {
            kustomized = render("k8s/");
        }
        return kustomized;
    }

    /** {@code kubectl kustomize directory} (relative to the repository's root), one JSON tree per document. */
    private static List<JsonNode> render(String directory) {
        Command.require("kubectl");
        Command.Result rendered = Command.run(List.of("kubectl", "kustomize", directory), Map.of(), 60);
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        List<JsonNode> documents = new ArrayList<>();
        for (String document : rendered.output().split("(?m)^---$")) {
            if (!document.isBlank()) {
                documents.add(YAML.readTree(document));
            }
        }
        return List.copyOf(documents);
    }

    private static String kindAndName(JsonNode document) {
        return document.at("/kind").asString() + " " + document.at("/metadata/name").asString();
    }

    private static <T> T one(List<JsonNode> documents, String kind, String name, Class<T> type) {
        JsonNode match = documents.stream()
                .filter(d -> kind.equals(d.at("/kind").asString()) && name.equals(d.at("/metadata/name").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in k8s/"));
        return type == JsonNode.class ? type.cast(match) : YAML.treeToValue(match, type);
    }
}

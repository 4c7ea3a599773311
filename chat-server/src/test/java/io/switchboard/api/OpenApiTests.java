package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Actuator;
import io.switchboard.support.Node;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The OpenAPI description the node serves ({@code /api/openapi.yaml}, written by hand) against the
 * controller it describes: the same calls (path and method), and the same fields in the bodies that
 * go in and come out.
 */
class OpenApiTests {

    private static Node node;
    private static JsonNode description;

    @BeforeAll
    static void serve() {
        node = Node.inMemory("switchboard.api.keys.shop=k-shop-0123456789abcdef0123");
        Actuator.Answer answer = Actuator.get(node.port(), ApiKeys.DESCRIPTION); // no key: the description is public
        assertThat(answer.status()).isEqualTo(200);
        description = YAMLMapper.builder().build().readTree(answer.body());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void describesEveryCallOfTheControllersAndNoOther() {
        Set<String> served = new TreeSet<>();
        node.bean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class).getHandlerMethods()
                .forEach((mapping, method) -> {
                    if (method.getBeanType() == ApiController.class || method.getBeanType() == ModerationController.class
                            || method.getBeanType() == WebhookController.class) {
                        for (String path : mapping.getPatternValues()) {
                            for (RequestMethod verb : mapping.getMethodsCondition().getMethods()) {
                                served.add(verb + " " + path);
                            }
                        }
                    }
                });
        Set<String> described = new TreeSet<>();
        description.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (!operation.getKey().equals("parameters")) {
                described.add(operation.getKey().toUpperCase() + " " + path.getKey());
            }
        }));
        assertThat(served).hasSize(13);
        assertThat(described).isEqualTo(served);
    }

    @Test
    void describesTheFieldsOfEveryBody() {
        assertFields("NewMessage", ApiController.NewMessage.class);
        assertFields("Broadcast", ApiController.Broadcast.class);
        assertFields("Posted", ApiController.Posted.class);
        assertFields("RoomState", ApiController.RoomState.class);
        assertFields("BroadcastResult", ApiController.BroadcastResult.class);
        assertFields("Disconnect", ModerationController.Disconnect.class);
        assertFields("NewBan", ModerationController.NewBan.class);
        assertFields("BanState", ModerationController.BanState.class);
        assertFields("Bans", ModerationController.Bans.class);
        assertFields("Lifted", ModerationController.Lifted.class);
        assertFields("Deleted", ModerationController.Deleted.class);
        assertFields("WebhookInfo", WebhookController.WebhookInfo.class);
        assertFields("DeadLetters", WebhookController.DeadLetters.class);
        assertFields("Parked", WebhookController.Parked.class);
        assertFields("Replay", WebhookController.Replay.class);
        assertFields("ReplayResult", WebhookController.ReplayResult.class);
        assertFields("Replayed", io.switchboard.webhook.WebhookDispatcher.Replayed.class);
        assertFields("RoomPage", io.switchboard.broker.RoomPage.class);
        assertFields("Disconnected", ModerationController.Disconnected.class);
        Set<String> roomResult = new TreeSet<>();
        description.at("/components/schemas/BroadcastResult/properties/rooms/items/properties").propertyNames()
                .forEach(roomResult::add);
        assertThat(roomResult).isEqualTo(components(ApiController.RoomResult.class));
    }

    private static void assertFields(String schema, Class<? extends Record> type) {
        Set<String> fields = new TreeSet<>();
        description.at("/components/schemas/" + schema + "/properties").propertyNames().forEach(fields::add);
        assertThat(fields).as(schema).isEqualTo(components(type));
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(component -> component.getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }
}

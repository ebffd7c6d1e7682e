package dmlflow.resources.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contract between the template (templates/mlflow.yaml, from template-generator) and these
 * handlers: the resource type, the handler class behind it, the properties it sends.
 */
public final class TemplateContract {
    private static final Path TEMPLATE = Path.of("../templates/mlflow.yaml");

    private TemplateContract() {
    }

    public static void assertServedBy(String resourceType, Class<? extends RequestStreamHandler> handler,
            List<String> propertyNames) throws IOException {
        JsonNode resources = new ObjectMapper(new YAMLFactory()).readTree(TEMPLATE.toFile()).path("Resources");
        List<Map.Entry<String, JsonNode>> matching = new ArrayList<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(resourceType)) {
                matching.add(e);
            }
        });
        assertThat(matching).as("resources of type %s in %s", resourceType, TEMPLATE).hasSize(1);
        JsonNode properties = matching.get(0).getValue().path("Properties");

        List<String> sent = new ArrayList<>();
        properties.fieldNames().forEachRemaining(sent::add);
        sent.removeAll(List.of("ServiceToken", "ServiceTimeout"));
        assertThat(sent).as("properties the template sends to %s", resourceType).containsExactlyInAnyOrderElementsOf(propertyNames);

        String function = properties.path("ServiceToken").path("Fn::GetAtt").get(0).asText();
        JsonNode lambda = resources.path(function).path("Properties");
        assertThat(lambda.path("Handler").asText()).isEqualTo(handler.getName() + "::handleRequest");
        assertThat(lambda.path("Runtime").asText()).isEqualTo("java21");
        assertThat(Modifier.isPublic(handler.getModifiers())).isTrue();
        assertThat(Modifier.isPublic(assertDoesNotThrow(handler).getModifiers())).isTrue();
    }

    private static java.lang.reflect.Constructor<?> assertDoesNotThrow(Class<?> handler) {
        try {
            return handler.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(handler.getName() + " needs a public no-argument constructor for Lambda", e);
        }
    }
}

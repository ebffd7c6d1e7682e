package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A deploy from a new checkout changes the stack's dmlflow:version tag, which CloudFormation copies
 * onto every resource that takes tags. That must never stop, replace or restart anything: every
 * taggable resource type the stack holds updates its tags in place. Read from the CloudFormation
 * registry schemas cfn-lint ships (their "tagging" block: taggable, tagUpdatable), not assumed.
 */
class VersionTagTest {
    @Test
    void everyTaggableResourceOfTheStackUpdatesItsTagsInPlace() throws Exception {
        TreeSet<String> types = new TreeSet<>();
        Templates.mlflow().path("Resources").forEach(resource -> types.add(resource.path("Type").asText()));
        types.removeIf(type -> type.startsWith("Custom::"));
        Map<String, JsonNode> schemas = Templates.registrySchemas(types);
        assertThat(schemas).as("every type found in the registry").hasSize(types.size());
        List<String> lines = schemas.entrySet().stream().map(entry -> entry.getKey()
                + flag(entry.getValue().path("tagging").path("taggable"))
                + flag(entry.getValue().path("tagging").path("tagUpdatable"))).toList();
        assertThat(lines).as("taggable types the stack holds").filteredOn(line -> line.contains(" True "))
                .hasSizeGreaterThan(15)
                .allSatisfy(line -> assertThat(line).as("tags updated in place").endsWith(" True True"));
    }

    private static String flag(JsonNode value) {
        return value.asBoolean(false) ? " True" : " False";
    }
}

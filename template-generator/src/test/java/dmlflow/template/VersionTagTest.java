package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A deploy from a new checkout changes the stack's dmlflow:version tag, which CloudFormation copies
 * onto every resource that takes tags. That must never stop, replace or restart anything: every
 * taggable resource type the stack holds updates its tags in place. Read from the CloudFormation
 * registry schemas cfn-lint ships (their "tagging" block: taggable, tagUpdatable), not assumed.
 */
class VersionTagTest {
    private static final String SCHEMAS = String.join("\n",
            "import json, os, sys, cfnlint",
            "from cfnlint.data.schemas.providers import us_east_1",
            "root = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas', 'resources')",
            "for name in sys.argv[1:]:",
            "    schema = json.load(open(os.path.join(root, us_east_1.types[name] + '.json')))",
            "    tagging = schema.get('tagging', {})",
            "    print(name, tagging.get('taggable', False), tagging.get('tagUpdatable', False))");

    @Test
    void everyTaggableResourceOfTheStackUpdatesItsTagsInPlace() throws Exception {
        TreeSet<String> types = new TreeSet<>();
        Templates.mlflow().path("Resources").forEach(resource -> types.add(resource.path("Type").asText()));
        types.removeIf(type -> type.startsWith("Custom::"));
        List<String> command = new ArrayList<>(List.of("python3", "-c", SCHEMAS));
        command.addAll(types);
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as(output).isZero();

        List<String> lines = output.strip().lines().toList();
        assertThat(lines).as("every type found in the registry").hasSize(types.size());
        assertThat(lines).as("taggable types the stack holds").filteredOn(line -> line.contains(" True "))
                .hasSizeGreaterThan(15)
                .allSatisfy(line -> assertThat(line).as("tags updated in place").endsWith(" True True"));
    }
}

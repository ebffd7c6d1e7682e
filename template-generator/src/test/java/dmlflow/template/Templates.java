package dmlflow.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The freshly synthesized mlflow template, made once per test run, and ways to look into it. */
public final class Templates {
    private static Synthesis synthesis;

    private Templates() {
    }

    public static synchronized Synthesis synthesis() {
        if (synthesis == null) {
            synthesis = Synthesis.run();
        }
        return synthesis;
    }

    public static JsonNode mlflow() {
        return synthesis().template(Synthesis.MLFLOW_STACK);
    }

    /**
     * A resource type's CloudFormation registry schema, as cfn-lint ships it (createOnlyProperties,
     * readOnlyProperties, tagging): what CloudFormation does on an update, read rather than assumed.
     */
    public static JsonNode registrySchema(String type) {
        return registrySchemas(List.of(type)).get(type);
    }

    /** Several types' registry schemas, read by one Python process. */
    public static Map<String, JsonNode> registrySchemas(java.util.Collection<String> types) {
        String program = String.join("\n",
                "import json, os, sys, cfnlint",
                "from cfnlint.data.schemas.providers import us_east_1",
                "root = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas', 'resources')",
                "print(json.dumps({t: json.load(open(os.path.join(root, us_east_1.types[t] + '.json'))) for t in sys.argv[1:]}))");
        List<String> command = new ArrayList<>(List.of("python3", "-c", program));
        command.addAll(types);
        try {
            Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(python.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!python.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || python.exitValue() != 0) {
                throw new AssertionError("cannot read cfn-lint's schemas of " + types + ":\n" + output);
            }
            Map<String, JsonNode> schemas = new java.util.TreeMap<>();
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(output).fields()
                    .forEachRemaining(entry -> schemas.put(entry.getKey(), entry.getValue()));
            return schemas;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode resource(String logicalId) {
        JsonNode resource = mlflow().path("Resources").path(logicalId);
        if (resource.isMissingNode()) {
            throw new AssertionError("the template has no resource " + logicalId);
        }
        return resource;
    }

    public static List<Map.Entry<String, JsonNode>> ofType(String type) {
        List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = mlflow().path("Resources").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            if (entry.getValue().path("Type").asText().equals(type)) {
                found.add(entry);
            }
        }
        return found;
    }

    public static List<String> dependsOn(String logicalId) {
        List<String> ids = new ArrayList<>();
        resource(logicalId).path("DependsOn").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    /** Every logical id that a value refers to, through Ref or Fn::GetAtt, at any depth. */
    public static List<String> references(JsonNode value) {
        List<String> ids = new ArrayList<>();
        collectReferences(value, ids);
        return ids;
    }

    private static void collectReferences(JsonNode value, List<String> ids) {
        if (value.isObject()) {
            if (value.has("Ref")) {
                ids.add(value.get("Ref").asText());
            }
            if (value.has("Fn::GetAtt")) {
                ids.add(value.get("Fn::GetAtt").get(0).asText());
            }
            value.forEach(child -> collectReferences(child, ids));
        } else if (value.isArray()) {
            value.forEach(child -> collectReferences(child, ids));
        }
    }

    public static Path repositoryRoot() {
        return Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    }
}

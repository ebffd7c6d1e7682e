package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

/** A CloudFormation template as the deployer needs it: parameters, rules, conditions, resources. */
public final class StackTemplate {
    /** Where the custom-resources jar is: parameters the deployer sets, never the user. */
    public static final String CODE_BUCKET = "CustomResourcesCodeBucket";
    public static final String CODE_KEY = "CustomResourcesCodeKey";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path path;
    private final byte[] bytes;
    private final JsonNode root;
    private final Map<String, ParameterSpec> parameters = new LinkedHashMap<>();

    private StackTemplate(Path path, byte[] bytes, JsonNode root) {
        this.path = path;
        this.bytes = bytes;
        this.root = root;
        root.path("Parameters").fields().forEachRemaining(e -> parameters.put(e.getKey(), ParameterSpec.of(e.getKey(), e.getValue())));
    }

    public static StackTemplate load(Path path) {
        if (!Files.isRegularFile(path)) {
            throw DeployerException.usage("no template at " + path + " (run from the repository root, or pass --template)");
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            JsonNode root = YAML.readTree(bytes);
            if (root == null || !root.has("Resources")) {
                throw DeployerException.usage(path + " is not a CloudFormation template (no Resources)");
            }
            return new StackTemplate(path, bytes, root);
        } catch (IOException e) {
            throw DeployerException.usage("cannot read the template " + path + ": " + Problems.of(e));
        }
    }

    public Path path() {
        return path;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public Map<String, ParameterSpec> parameters() {
        return parameters;
    }

    JsonNode rules() {
        return root.path("Rules");
    }

    JsonNode conditions() {
        return root.path("Conditions");
    }

    public JsonNode resources() {
        return root.path("Resources");
    }

    /** Resource types and counts of what a stack with these values would hold (conditions applied). */
    public Map<String, Integer> resourceCounts(Map<String, String> values) {
        Intrinsics intrinsics = new Intrinsics(values, conditions());
        Map<String, Integer> counts = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> resources = root.path("Resources").fields();
        while (resources.hasNext()) {
            JsonNode resource = resources.next().getValue();
            if (resource.has("Condition") && !intrinsics.condition(resource.get("Condition").asText())) {
                continue;
            }
            counts.merge(resource.path("Type").asText(), 1, Integer::sum);
        }
        return counts;
    }

    public int resourceCount(Map<String, String> values) {
        return resourceCounts(values).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The values the stack would get: given, else previous (on update), else the template default. */
    public Map<String, String> effective(Map<String, String> given, Map<String, String> previous) {
        Map<String, String> values = new LinkedHashMap<>();
        parameters.forEach((name, spec) -> {
            String value = given.containsKey(name) ? given.get(name)
                    : previous.containsKey(name) ? previous.get(name) : spec.defaultValue();
            if (value != null) {
                values.put(name, value);
            }
        });
        return values;
    }

    /** Given values are sent; on update, a parameter not given keeps its previous value. */
    public List<Parameter> changeSetParameters(Map<String, String> given, Map<String, String> previous) {
        List<Parameter> parameters = new ArrayList<>();
        for (String name : this.parameters.keySet()) {
            if (given.containsKey(name)) {
                parameters.add(Parameter.builder().parameterKey(name).parameterValue(given.get(name)).build());
            } else if (previous.containsKey(name)) {
                parameters.add(Parameter.builder().parameterKey(name).usePreviousValue(true).build());
            }
        }
        return parameters;
    }
}

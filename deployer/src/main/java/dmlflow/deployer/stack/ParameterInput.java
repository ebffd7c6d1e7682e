package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter values and tags from the command line ({@code -p Key=Value}) and from a file in
 * CodePipeline's template-configuration format ({@code {"Parameters": {…}, "Tags": {…}}});
 * the command line wins.
 */
public record ParameterInput(Map<String, String> parameters, Map<String, String> tags) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ParameterInput of(List<String> assignments, Path file) {
        Map<String, String> parameters = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        if (file != null) {
            JsonNode config = read(file);
            copy(config, "Parameters", file, parameters);
            copy(config, "Tags", file, tags);
        }
        for (String assignment : assignments) {
            int equals = assignment.indexOf('=');
            if (equals <= 0) {
                throw DeployerException.usage("-p takes Key=Value, not '" + assignment + "'");
            }
            parameters.put(assignment.substring(0, equals), assignment.substring(equals + 1));
        }
        return new ParameterInput(parameters, tags);
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode config = JSON.readTree(file.toFile());
            if (config == null || !config.isObject()) {
                throw DeployerException.usage(file + " must be a JSON object like {\"Parameters\": {\"Key\": \"Value\"}}");
            }
            config.fieldNames().forEachRemaining(field -> {
                if (!List.of("Parameters", "Tags", "StackPolicy").contains(field)) {
                    throw DeployerException.usage(file + ": unknown field '" + field
                            + "' (a template configuration holds Parameters, Tags and StackPolicy)");
                }
            });
            return config;
        } catch (IOException e) {
            throw DeployerException.usage("cannot read " + file + ": " + Problems.of(e));
        }
    }

    private static void copy(JsonNode config, String field, Path file, Map<String, String> into) {
        JsonNode section = config.path(field);
        if (section.isMissingNode()) {
            return;
        }
        if (!section.isObject()) {
            throw DeployerException.usage(file + ": " + field + " must be an object of names to values");
        }
        section.fields().forEachRemaining(e -> {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw DeployerException.usage(file + ": " + field + "." + e.getKey() + " must be a string");
            }
            into.put(e.getKey(), e.getValue().asText());
        });
    }
}

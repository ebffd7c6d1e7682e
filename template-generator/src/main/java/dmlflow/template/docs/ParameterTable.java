package dmlflow.template.docs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's table of template parameters, written from the synthesized template (console
 * groups, defaults, constraints, descriptions), so that it never drifts from what deploys.
 */
public final class ParameterTable {
    static final String START = "<!-- parameters:start (generated from templates/mlflow.yaml; do not edit) -->";
    static final String END = "<!-- parameters:end -->";

    private ParameterTable() {
    }

    public static String markdown(JsonNode template) {
        JsonNode parameters = template.path("Parameters");
        StringBuilder out = new StringBuilder(START).append("\n");
        for (JsonNode group : template.path("Metadata").path("AWS::CloudFormation::Interface").path("ParameterGroups")) {
            out.append("\n**").append(group.path("Label").path("default").asText()).append("**\n\n");
            out.append("| Parameter | Default | Allowed | What it does |\n|---|---|---|---|\n");
            for (JsonNode name : group.path("Parameters")) {
                JsonNode p = parameters.path(name.asText());
                String value = p.has("Default") ? p.get("Default").asText() : null;
                out.append("| `").append(name.asText()).append("` | ")
                        .append(value == null ? "*(set by deploy.sh)*" : value.isEmpty() ? "*(empty)*" : "`" + value + "`")
                        .append(" | ").append(cell(allowed(p))).append(" | ").append(cell(p.path("Description").asText()))
                        .append(" |\n");
            }
        }
        return out.append("\n").append(END).toString();
    }

    private static String allowed(JsonNode p) {
        if (p.has("AllowedValues")) {
            List<String> values = new ArrayList<>();
            p.get("AllowedValues").forEach(v -> values.add(v.asText()));
            return String.join(", ", values);
        }
        if (p.has("MinValue") || p.has("MaxValue")) {
            return p.path("MinValue").asText("") + "–" + p.path("MaxValue").asText("");
        }
        return p.path("ConstraintDescription").asText("").replaceFirst("^must be ", "");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** The README with its parameter section replaced by the table; the README must carry both markers. */
    public static String update(String readme, JsonNode template) {
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        if (start < 0 || end < start) {
            throw new IllegalStateException("README.md lacks the markers " + START + " … " + END);
        }
        return readme.substring(0, start) + markdown(template) + readme.substring(end + END.length());
    }
}

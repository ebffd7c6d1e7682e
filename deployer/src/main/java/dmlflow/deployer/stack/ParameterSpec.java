package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** One template parameter and its constraints, as CloudFormation would check them. */
public record ParameterSpec(String name, String type, String defaultValue, String description, List<String> allowedValues,
        String allowedPattern, Double minValue, Double maxValue, Integer minLength, Integer maxLength,
        String constraintDescription, boolean noEcho) {

    static ParameterSpec of(String name, JsonNode node) {
        List<String> allowed = new ArrayList<>();
        node.path("AllowedValues").forEach(v -> allowed.add(v.asText()));
        return new ParameterSpec(name, node.path("Type").asText("String"),
                node.has("Default") ? node.get("Default").asText() : null,
                node.path("Description").asText(""), List.copyOf(allowed),
                node.has("AllowedPattern") ? node.get("AllowedPattern").asText() : null,
                node.has("MinValue") ? node.get("MinValue").asDouble() : null,
                node.has("MaxValue") ? node.get("MaxValue").asDouble() : null,
                node.has("MinLength") ? node.get("MinLength").asInt() : null,
                node.has("MaxLength") ? node.get("MaxLength").asInt() : null,
                node.has("ConstraintDescription") ? node.get("ConstraintDescription").asText() : null,
                node.path("NoEcho").asBoolean(false));
    }

    /** What is wrong with this value, naming the parameter and the rule; null when nothing is. */
    String violation(String value) {
        String shown = noEcho ? "(hidden)" : "'" + value + "'";
        String explained = constraintDescription == null ? "" : " (" + constraintDescription + ")";
        if (!allowedValues.isEmpty() && !allowedValues.contains(value)) {
            return name + " " + shown + " is not one of its AllowedValues: " + String.join(", ", allowedValues);
        }
        if (allowedPattern != null && !Pattern.compile(allowedPattern).matcher(value).matches()) {
            return name + " " + shown + " does not match its AllowedPattern " + allowedPattern + explained;
        }
        if (minLength != null && value.length() < minLength) {
            return name + " is shorter than its MinLength " + minLength + explained;
        }
        if (maxLength != null && value.length() > maxLength) {
            return name + " is longer than its MaxLength " + maxLength + explained;
        }
        if (type.equals("Number") || minValue != null || maxValue != null) {
            double number;
            try {
                number = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                return name + " " + shown + " is not a number (Type Number)";
            }
            if (minValue != null && number < minValue) {
                return name + " " + value + " is below its MinValue " + format(minValue) + explained;
            }
            if (maxValue != null && number > maxValue) {
                return name + " " + value + " is above its MaxValue " + format(maxValue) + explained;
            }
        }
        return null;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}

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

    /**
     * What is wrong with this value, naming the parameter and saying what it must be in the
     * template's own words (its ConstraintDescription), never as a regular expression; null when
     * nothing is.
     */
    String violation(String value) {
        String shown = noEcho ? "(hidden)" : "'" + value + "'";
        String must = constraintDescription == null ? "" : ": " + constraintDescription;
        if (!allowedValues.isEmpty() && !allowedValues.contains(value)) {
            return name + " " + shown + " must be one of " + String.join(", ", allowedValues);
        }
        if (allowedPattern != null && !Pattern.compile(allowedPattern).matcher(value).matches()) {
            return name + " " + shown + " is refused" + (must.isEmpty() ? ": it is not in the form the template"
                    + " allows (./deploy.sh plan lists every parameter's description)" : must);
        }
        if (minLength != null && value.length() < minLength) {
            return name + " is too short (at least " + minLength + " characters)" + must;
        }
        if (maxLength != null && value.length() > maxLength) {
            return name + " is too long (at most " + maxLength + " characters)" + must;
        }
        if (type.equals("Number") || minValue != null || maxValue != null) {
            double number;
            try {
                number = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                return name + " " + shown + " is not a number";
            }
            if (minValue != null && number < minValue) {
                return name + " " + value + " is too small: at least " + format(minValue) + must;
            }
            if (maxValue != null && number > maxValue) {
                return name + " " + value + " is too large: at most " + format(maxValue) + must;
            }
        }
        return null;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}

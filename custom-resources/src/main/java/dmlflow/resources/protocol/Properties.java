package dmlflow.resources.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads custom-resource properties, which arrive as strings (numbers and booleans included),
 * with errors that name the property and what was expected.
 */
public final class Properties {
    private final JsonNode node;
    private final String resourceType;

    public Properties(JsonNode node, String resourceType) {
        this.node = node;
        this.resourceType = resourceType;
    }

    public String string(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw invalid(name, "is missing");
        }
        if (!value.isValueNode() || value.asText().isBlank()) {
            throw invalid(name, "must be a non-empty string");
        }
        return value.asText();
    }

    public String string(String name, Pattern pattern, String expected) {
        String value = string(name);
        if (!pattern.matcher(value).matches()) {
            throw invalid(name, "must be " + expected + ", not '" + abbreviate(value) + "'");
        }
        return value;
    }

    public int integer(String name, int min, int max) {
        String value = string(name);
        try {
            int number = Integer.parseInt(value.trim());
            if (number < min || number > max) {
                throw invalid(name, "must be from " + min + " to " + max + ", not " + number);
            }
            return number;
        } catch (NumberFormatException e) {
            throw invalid(name, "must be a whole number, not '" + abbreviate(value) + "'");
        }
    }

    public List<String> strings(String name, Pattern pattern, String expected) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw invalid(name, "is missing");
        }
        if (!value.isArray() || value.isEmpty()) {
            throw invalid(name, "must be a non-empty list");
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            String text = item.asText();
            if (!item.isValueNode() || !pattern.matcher(text).matches()) {
                throw invalid(name, "must hold only " + expected + ", not '" + abbreviate(text) + "'");
            }
            items.add(text);
        }
        return List.copyOf(items);
    }

    private InvalidRequestException invalid(String name, String problem) {
        return new InvalidRequestException(resourceType + " property " + name + " " + problem);
    }

    private static String abbreviate(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "…" : value;
    }
}

package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the intrinsic functions that template Rules and Conditions use (Ref to parameters,
 * Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains, Condition), so that rules are checked
 * before anything is sent to AWS. Anything else is {@link Unknown}: the rule is left to
 * CloudFormation.
 */
final class Intrinsics {
    static final class Unknown extends RuntimeException {
        Unknown(String what) {
            super(what);
        }
    }

    private final Map<String, String> values;
    private final JsonNode conditions;

    Intrinsics(Map<String, String> values, JsonNode conditions) {
        this.values = values;
        this.conditions = conditions;
    }

    boolean condition(String name) {
        JsonNode condition = conditions.get(name);
        if (condition == null) {
            throw new Unknown("condition " + name);
        }
        return bool(condition);
    }

    boolean bool(JsonNode node) {
        if (node.has("Fn::Equals")) {
            return value(node.get("Fn::Equals").get(0)).equals(value(node.get("Fn::Equals").get(1)));
        }
        if (node.has("Fn::Not")) {
            return !bool(node.get("Fn::Not").get(0));
        }
        if (node.has("Fn::And")) {
            for (JsonNode term : node.get("Fn::And")) {
                if (!bool(term)) {
                    return false;
                }
            }
            return true;
        }
        if (node.has("Fn::Or")) {
            for (JsonNode term : node.get("Fn::Or")) {
                if (bool(term)) {
                    return true;
                }
            }
            return false;
        }
        if (node.has("Fn::Contains")) {
            return list(node.get("Fn::Contains").get(0)).contains(value(node.get("Fn::Contains").get(1)));
        }
        if (node.has("Condition")) {
            return condition(node.get("Condition").asText());
        }
        throw new Unknown(node.toString());
    }

    private String value(JsonNode node) {
        if (node.isValueNode()) {
            return node.asText();
        }
        if (node.has("Ref")) {
            String name = node.get("Ref").asText();
            String value = values.get(name);
            if (value == null) {
                throw new Unknown("Ref " + name);
            }
            return value;
        }
        throw new Unknown(node.toString());
    }

    private List<String> list(JsonNode node) {
        if (!node.isArray()) {
            throw new Unknown(node.toString());
        }
        List<String> items = new ArrayList<>();
        node.forEach(item -> items.add(value(item)));
        return items;
    }
}

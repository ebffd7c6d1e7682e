package dmlflow.template.docs;

import dmlflow.template.mlflow.CustomResourceTypes;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What the architecture diagram reads from the synthesized template: resources by type and the
 * references between them, subnet tiers from the route tables, who reaches whom through the
 * security groups, and Conditions in the parameters' words. Resources are visited in the
 * template's order, so the same template always reads the same.
 */
final class TemplateReader {
    /** A security-group rule that lets one of our resources reach another on a port. */
    record Ingress(String source, String target, String port) {
    }

    private final JsonNode resources;
    private final JsonNode parameters;
    private final JsonNode conditions;

    TemplateReader(JsonNode template) {
        this.resources = template.path("Resources");
        this.parameters = template.path("Parameters");
        this.conditions = template.path("Conditions");
    }

    /** The resource of that logical id; a missing node if there is none. */
    JsonNode resource(String id) {
        return resources.path(id);
    }

    /** The logical id of the first resource of that type; null if there is none. */
    String first(String type) {
        Iterator<Map.Entry<String, JsonNode>> all = resources.fields();
        while (all.hasNext()) {
            Map.Entry<String, JsonNode> r = all.next();
            if (r.getValue().path("Type").asText().equals(type)) {
                return r.getKey();
            }
        }
        return null;
    }

    void forEach(String type, BiConsumer<String, JsonNode> action) {
        resources.fields().forEachRemaining(r -> {
            if (r.getValue().path("Type").asText().equals(type)) {
                action.accept(r.getKey(), r.getValue());
            }
        });
    }

    /** The logical ids a value refers to (Ref, Fn::GetAtt), however deep, in order. */
    static List<String> references(JsonNode value) {
        List<String> ids = new ArrayList<>();
        if (value.isObject()) {
            if (value.has("Ref")) {
                ids.add(value.get("Ref").asText());
            }
            if (value.has("Fn::GetAtt")) {
                ids.add(value.get("Fn::GetAtt").get(0).asText());
            }
            value.forEach(child -> ids.addAll(references(child)));
        } else if (value.isArray()) {
            value.forEach(child -> ids.addAll(references(child)));
        }
        return ids;
    }

    List<String> dependsOn(String id) {
        List<String> ids = new ArrayList<>();
        resources.path(id).path("DependsOn").forEach(d -> ids.add(d.asText()));
        return ids;
    }

    /** The Condition a resource is made under; empty if it is always made. */
    String conditionOf(String id) {
        return resources.path(id).path("Condition").asText("");
    }

    /** A Condition in the parameters' words: "CertificateArn", "NatMode=gateway", "DomainName + HostedZoneId". */
    String enabledBy(String condition) {
        JsonNode expression = conditions.path(condition);
        return expression.isMissingNode() ? condition : inWords(expression);
    }

    /** A Condition in words, less the part the box already says (its own Condition, And-ed in). */
    private String enabledBeyond(String condition, String already) {
        JsonNode expression = conditions.path(condition);
        if (already.isEmpty() || !expression.has("Fn::And")) {
            return enabledBy(condition);
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode part : expression.get("Fn::And")) {
            if (!already.equals(part.path("Condition").asText())) {
                parts.add(inWords(part));
            }
        }
        return String.join(" + ", parts);
    }

    private String inWords(JsonNode expression) {
        if (expression.has("Condition")) {
            return enabledBy(expression.get("Condition").asText());
        }
        if (expression.has("Fn::And") || expression.has("Fn::Or")) {
            List<String> parts = new ArrayList<>();
            expression.path(expression.has("Fn::And") ? "Fn::And" : "Fn::Or").forEach(part -> parts.add(inWords(part)));
            return String.join(expression.has("Fn::And") ? " + " : " or ", parts);
        }
        if (expression.has("Fn::Not")) {
            JsonNode inner = expression.get("Fn::Not").get(0);
            String emptied = emptiedParameter(inner);
            if (emptied != null) {
                return emptied;
            }
            return inner.has("Fn::Equals") ? comparedParameter(inner) + "\u2260" + comparedValue(inner)
                    : "not (" + inWords(inner) + ")";
        }
        if (expression.has("Fn::Equals")) {
            String emptied = emptiedParameter(expression);
            return emptied != null ? "no " + emptied : comparedParameter(expression) + "=" + comparedValue(expression);
        }
        return expression.toString();
    }

    /** P, for a Condition "P equals the empty string". */
    private static String emptiedParameter(JsonNode expression) {
        return expression.has("Fn::Equals") && comparedValue(expression).isEmpty() ? comparedParameter(expression) : null;
    }

    private static String comparedParameter(JsonNode equals) {
        for (JsonNode side : equals.get("Fn::Equals")) {
            if (side.has("Ref")) {
                return side.get("Ref").asText();
            }
        }
        return equals.toString();
    }

    private static String comparedValue(JsonNode equals) {
        for (JsonNode side : equals.get("Fn::Equals")) {
            if (side.isValueNode()) {
                return side.asText();
            }
        }
        return "?";
    }

    /** Whether the named Condition holds when every parameter keeps its default. */
    boolean holdsByDefault(String condition) {
        return holdsByDefault(conditions.path(condition));
    }

    /** Whether a Condition holds when every parameter keeps its default; false for what it cannot tell. */
    private boolean holdsByDefault(JsonNode expression) {
        if (expression.has("Condition")) {
            return holdsByDefault(conditions.path(expression.get("Condition").asText()));
        }
        if (expression.has("Fn::Not")) {
            return !holdsByDefault(expression.get("Fn::Not").get(0));
        }
        if (expression.has("Fn::And") || expression.has("Fn::Or")) {
            boolean and = expression.has("Fn::And");
            for (JsonNode part : expression.get(and ? "Fn::And" : "Fn::Or")) {
                if (holdsByDefault(part) != and) {
                    return !and;
                }
            }
            return and;
        }
        if (expression.has("Fn::Equals")) {
            String left = valueByDefault(expression.get("Fn::Equals").get(0));
            String right = valueByDefault(expression.get("Fn::Equals").get(1));
            return left != null && left.equals(right);
        }
        return false;
    }

    /** A literal, or the default of the parameter referred to; null for a parameter without one, or anything else. */
    private String valueByDefault(JsonNode value) {
        if (value.isValueNode()) {
            return value.asText();
        }
        JsonNode fallback = parameters.path(value.path("Ref").asText()).path("Default");
        return fallback.isValueNode() ? fallback.asText() : null;
    }

    String defaultOf(String parameter) {
        return parameters.path(parameter).path("Default").asText();
    }

    /** Subnet logical id → public (route to the internet gateway), private (route to a NAT), isolated. */
    Map<String, String> subnetTiers() {
        Map<String, String> tableTier = new LinkedHashMap<>();
        forEach("AWS::EC2::Route", (id, route) -> {
            JsonNode p = route.path("Properties");
            String table = references(p.path("RouteTableId")).get(0);
            if (p.has("NatGatewayId") || p.has("InstanceId")) {
                tableTier.put(table, "private");
            } else if (p.has("GatewayId")) {
                tableTier.put(table, "public");
            }
        });
        Map<String, String> tiers = new LinkedHashMap<>();
        forEach("AWS::EC2::SubnetRouteTableAssociation", (id, association) -> {
            JsonNode p = association.path("Properties");
            String subnet = references(p.path("SubnetId")).get(0);
            tiers.put(subnet, tableTier.getOrDefault(references(p.path("RouteTableId")).get(0), "isolated"));
        });
        return tiers;
    }

    /** What the private subnets' default routes go through: NAT gateways and NAT instances. */
    Set<String> nats() {
        Set<String> nats = new LinkedHashSet<>();
        forEach("AWS::EC2::Route", (id, route) -> {
            nats.addAll(references(route.path("Properties").path("NatGatewayId")));
            nats.addAll(references(route.path("Properties").path("InstanceId")));
        });
        nats.removeIf(ref -> !resources.has(ref)); // Fn::If's other branch: AWS::NoValue
        return nats;
    }

    String natKind(String nat) {
        return resources.path(nat).path("Type").asText().equals("AWS::EC2::NatGateway") ? "gateway" : "instance";
    }

    /**
     * Every security-group rule that lets one of our resources reach another; a Lambda function
     * behind a custom resource stands as that custom resource, which is what the picture shows.
     */
    List<Ingress> ingresses() {
        Map<String, String> owner = securityGroupOwners();
        List<Ingress> ingresses = new ArrayList<>();
        forEach("AWS::EC2::SecurityGroupIngress", (id, rule) -> {
            JsonNode p = rule.path("Properties");
            List<String> from = references(p.path("SourceSecurityGroupId"));
            List<String> to = references(p.path("GroupId"));
            if (!from.isEmpty() && !to.isEmpty() && owner.containsKey(from.get(0)) && owner.containsKey(to.get(0))) {
                String source = owner.get(from.get(0));
                if (resources.path(source).path("Type").asText().equals("AWS::Lambda::Function")) {
                    source = customResourceServedBy(source);
                }
                ingresses.add(new Ingress(source, owner.get(to.get(0)), p.path("FromPort").asText()));
            }
        });
        return ingresses;
    }

    /** Security group logical id → the first resource that runs in it. */
    private Map<String, String> securityGroupOwners() {
        Map<String, String> owner = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> all = resources.fields();
        while (all.hasNext()) {
            Map.Entry<String, JsonNode> r = all.next();
            JsonNode p = r.getValue().path("Properties");
            for (String field : List.of("SecurityGroups", "VpcSecurityGroupIds")) {
                references(p.path(field)).forEach(sg -> owner.putIfAbsent(sg, r.getKey()));
            }
            references(p.path("NetworkConfiguration")).forEach(sg -> owner.putIfAbsent(sg, r.getKey()));
            references(p.path("VpcConfig").path("SecurityGroupIds")).forEach(sg -> owner.putIfAbsent(sg, r.getKey()));
        }
        return owner;
    }

    private String customResourceServedBy(String function) {
        Iterator<Map.Entry<String, JsonNode>> all = resources.fields();
        while (all.hasNext()) {
            Map.Entry<String, JsonNode> r = all.next();
            if (r.getValue().path("Type").asText().startsWith("Custom::")
                    && references(r.getValue().path("Properties").path("ServiceToken")).contains(function)) {
                return r.getKey();
            }
        }
        return function;
    }

    /** "4 CloudWatch alarms", then "+2 if NatMode=instance" for those made under a Condition of their own. */
    List<String> publishers(String topic, String noun, String type, String... fields) {
        int[] alongsideTheTopic = {0};
        Map<String, Integer> underOtherConditions = new LinkedHashMap<>();
        forEach(type, (id, resource) -> {
            JsonNode properties = resource.path("Properties");
            if (List.of(fields).stream().anyMatch(field -> references(properties.path(field)).contains(topic))) {
                String condition = conditionOf(id);
                if (condition.isEmpty() || condition.equals(conditionOf(topic))) {
                    alongsideTheTopic[0]++;
                } else {
                    underOtherConditions.merge(condition, 1, Integer::sum);
                }
            }
        });
        List<String> lines = new ArrayList<>();
        if (alongsideTheTopic[0] > 0) {
            lines.add(alongsideTheTopic[0] + " " + noun + (alongsideTheTopic[0] == 1 ? "" : "s"));
        }
        underOtherConditions.forEach((condition, count) -> lines.add("+" + count + " if "
                + enabledBeyond(condition, conditionOf(topic))));
        return lines;
    }

    /** ": email, sqs" for the protocols the topic's subscriptions use; empty if it has none. */
    String subscriptionProtocols(String topic) {
        Set<String> protocols = new LinkedHashSet<>();
        resources.path(topic).path("Properties").path("Subscription")
                .forEach(subscription -> protocols.add(subscription.path("Protocol").asText()));
        forEach("AWS::SNS::Subscription", (id, subscription) -> {
            if (references(subscription.path("Properties").path("TopicArn")).contains(topic)) {
                protocols.add(subscription.path("Properties").path("Protocol").asText());
            }
        });
        return protocols.isEmpty() ? "" : ": " + String.join(", ", protocols);
    }

    /** "HTTPS :443 if CertificateArn" for each listener, then "internet-facing". */
    List<String> listenerLines() {
        List<String> lines = new ArrayList<>();
        forEach("AWS::ElasticLoadBalancingV2::Listener", (id, listener) -> {
            JsonNode p = listener.path("Properties");
            lines.add(p.path("Protocol").asText() + " :" + p.path("Port").asText()
                    + (listener.has("Condition") ? " if " + enabledBy(listener.path("Condition").asText()) : ""));
        });
        lines.add("internet-facing");
        return lines;
    }

    /** The port the task definition's first container listens on. */
    String containerPort() {
        String task = first("AWS::ECS::TaskDefinition");
        return resources.path(task).path("Properties").path("ContainerDefinitions").get(0)
                .path("PortMappings").get(0).path("ContainerPort").asText();
    }

    /** What one of our custom resources does, in a few words. */
    static String describe(String type) {
        return switch (type) {
            case CustomResourceTypes.DATABASE -> "databases and the MLflow user";
            case CustomResourceTypes.SCHEMA -> "one-off migration task first";
            case CustomResourceTypes.HEALTH -> "holds the stack until healthy";
            default -> "";
        };
    }
}

package dmlflow.template.docs;

import dmlflow.template.Templates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The mlflow template with and without the parts a parameter adds: a certificate and DNS record
 * for a domain in a Route 53 zone, and alarms that e-mail someone. The logical ids here are not the
 * stack's on purpose: the picture must find these parts by type and Condition.
 */
final class OptionalParts {
    /** The types that mark an optional part; everything under their Conditions belongs to it. */
    private static final List<String> MARKERS = List.of("AWS::CertificateManager::Certificate",
            "AWS::Route53::RecordSet", "AWS::SNS::Topic", "AWS::CloudWatch::Dashboard");
    /** The alarm topic's logical id in {@link #with}. */
    static final String TOPIC = "Pager";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OptionalParts() {
    }

    /**
     * The template with every resource under a Condition that an optional part's resource carries
     * removed, and with them the list items elsewhere that refer to them (an alarm action that
     * publishes to the topic, the listener's certificate).
     */
    static ObjectNode without(JsonNode template) {
        ObjectNode copy = template.deepCopy();
        ObjectNode resources = (ObjectNode) copy.get("Resources");
        Set<String> optionalConditions = new LinkedHashSet<>();
        resources.forEach(r -> {
            if (MARKERS.contains(r.path("Type").asText()) && r.has("Condition")) {
                optionalConditions.add(r.get("Condition").asText());
            }
        });
        List<String> removed = new ArrayList<>();
        resources.fields().forEachRemaining(r -> {
            if (MARKERS.contains(r.getValue().path("Type").asText())
                    || optionalConditions.contains(r.getValue().path("Condition").asText())) {
                removed.add(r.getKey());
            }
        });
        removed.forEach(resources::remove);
        dropItemsReferringTo(resources, removed);
        return copy;
    }

    private static void dropItemsReferringTo(JsonNode node, List<String> removed) {
        if (node.isArray()) {
            for (int i = node.size() - 1; i >= 0; i--) {
                if (Templates.references(node.get(i)).stream().anyMatch(removed::contains)) {
                    ((ArrayNode) node).remove(i);
                }
            }
        }
        node.forEach(child -> dropItemsReferringTo(child, removed));
    }

    /**
     * The template without its own optional parts, then with minimal ones: a DNS-validated
     * certificate on the HTTPS listener and an alias record (Condition ManagesDomain, from
     * HostedZoneId), a topic with an e-mail subscription, two alarms that publish to it and a
     * dashboard (Condition HasAlarmEmail, from AlarmEmail).
     */
    static ObjectNode with(JsonNode template) {
        ObjectNode copy = without(template);
        ObjectNode parameters = (ObjectNode) copy.get("Parameters");
        parameters.set("HostedZoneId", json("{\"Type\": \"String\", \"Default\": \"\"}"));
        parameters.set("AlarmEmail", json("{\"Type\": \"String\", \"Default\": \"\"}"));
        ObjectNode conditions = (ObjectNode) copy.get("Conditions");
        conditions.set("ManagesDomain", json("{\"Fn::Not\": [{\"Fn::Equals\": [{\"Ref\": \"HostedZoneId\"}, \"\"]}]}"));
        conditions.set("HasAlarmEmail", json("{\"Fn::Not\": [{\"Fn::Equals\": [{\"Ref\": \"AlarmEmail\"}, \"\"]}]}"));

        ObjectNode resources = (ObjectNode) copy.get("Resources");
        String alb = idOf(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer");
        resources.set("Cert", resource("AWS::CertificateManager::Certificate", "ManagesDomain",
                "{\"DomainName\": {\"Ref\": \"DomainName\"}, \"ValidationMethod\": \"DNS\"}"));
        resources.set("Name", resource("AWS::Route53::RecordSet", "ManagesDomain", "{\"Name\": {\"Ref\": \"DomainName\"},"
                + " \"Type\": \"A\", \"AliasTarget\": {\"DNSName\": {\"Fn::GetAtt\": [\"" + alb + "\", \"DNSName\"]}}}"));
        resources.set(TOPIC, resource("AWS::SNS::Topic", "HasAlarmEmail", "{}"));
        resources.set("PagerMail", resource("AWS::SNS::Subscription", "HasAlarmEmail",
                "{\"TopicArn\": {\"Ref\": \"Pager\"}, \"Protocol\": \"email\", \"Endpoint\": {\"Ref\": \"AlarmEmail\"}}"));
        resources.set("Errors", resource("AWS::CloudWatch::Alarm", "HasAlarmEmail", "{\"AlarmActions\": [{\"Ref\": \"Pager\"}]}"));
        resources.set("Full", resource("AWS::CloudWatch::Alarm", "HasAlarmEmail", "{\"AlarmActions\": [{\"Ref\": \"Pager\"}]}"));
        resources.set("Board", resource("AWS::CloudWatch::Dashboard", "HasAlarmEmail", "{\"DashboardBody\": \"{}\"}"));
        resources.forEach(r -> {
            if (r.path("Properties").path("Protocol").asText().equals("HTTPS")) {
                ((ArrayNode) r.path("Properties").path("Certificates")).removeAll().add(json(
                        "{\"CertificateArn\": {\"Fn::If\": [\"ManagesDomain\", {\"Ref\": \"Cert\"}, {\"Ref\": \"CertificateArn\"}]}}"));
            }
        });
        return copy;
    }

    private static String idOf(ObjectNode resources, String type) {
        List<String> ids = new ArrayList<>();
        resources.fields().forEachRemaining(r -> {
            if (r.getValue().path("Type").asText().equals(type)) {
                ids.add(r.getKey());
            }
        });
        return ids.get(0);
    }

    private static ObjectNode resource(String type, String condition, String properties) {
        ObjectNode resource = JSON.createObjectNode();
        resource.put("Type", type);
        resource.put("Condition", condition);
        resource.set("Properties", json(properties));
        return resource;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}

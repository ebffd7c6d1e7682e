package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resources a packet from a set of subnets travels through to the internet or to S3, read
 * from a template's Resources: each subnet's route table association, its route table's routes
 * and gateway endpoints, a route's NAT gateway, the NAT's own subnet (again, recursively), and
 * the internet gateway's attachment. A subnet whose association is gone falls back to the VPC's
 * main route table (Amazon VPC User Guide, "Route tables"), which has no way out.
 */
final class AnswerPath {
    private AnswerPath() {
    }

    static Set<String> of(JsonNode resources, List<String> subnets) {
        Set<String> path = new TreeSet<>();
        Deque<String> pending = new ArrayDeque<>(subnets);
        Set<String> seenSubnets = new TreeSet<>();
        while (!pending.isEmpty()) {
            String subnet = pending.pop();
            if (!seenSubnets.add(subnet)) {
                continue;
            }
            for (Map.Entry<String, JsonNode> association : ofType(resources, "AWS::EC2::SubnetRouteTableAssociation")) {
                JsonNode properties = association.getValue().path("Properties");
                if (!Templates.references(properties.path("SubnetId")).contains(subnet)) {
                    continue;
                }
                path.add(association.getKey());
                String table = Templates.references(properties.path("RouteTableId")).get(0);
                for (Map.Entry<String, JsonNode> route : ofType(resources, "AWS::EC2::Route")) {
                    JsonNode routeProperties = route.getValue().path("Properties");
                    if (!Templates.references(routeProperties.path("RouteTableId")).contains(table)) {
                        continue;
                    }
                    path.add(route.getKey());
                    // A NAT gateway or a NAT instance (NatMode; Fn::If names both, one exists), the
                    // instance with its Elastic IP, and the subnet each sits in.
                    List<String> nats = new ArrayList<>(Templates.references(routeProperties.path("NatGatewayId")));
                    nats.addAll(Templates.references(routeProperties.path("InstanceId")));
                    for (String nat : nats.stream().filter(resources::has).toList()) {
                        path.add(nat);
                        pending.addAll(Templates.references(resources.path(nat).path("Properties").path("SubnetId")));
                        for (Map.Entry<String, JsonNode> address : ofType(resources, "AWS::EC2::EIP")) {
                            if (Templates.references(address.getValue().path("Properties").path("InstanceId")).contains(nat)) {
                                path.add(address.getKey());
                            }
                        }
                    }
                    for (String gateway : Templates.references(routeProperties.path("GatewayId"))) {
                        for (Map.Entry<String, JsonNode> attachment : ofType(resources, "AWS::EC2::VPCGatewayAttachment")) {
                            if (Templates.references(attachment.getValue().path("Properties")
                                    .path("InternetGatewayId")).contains(gateway)) {
                                path.add(attachment.getKey());
                            }
                        }
                    }
                }
                for (Map.Entry<String, JsonNode> endpoint : ofType(resources, "AWS::EC2::VPCEndpoint")) {
                    if (Templates.references(endpoint.getValue().path("Properties").path("RouteTableIds")).contains(table)) {
                        path.add(endpoint.getKey());
                    }
                }
            }
        }
        return path;
    }

    /**
     * Everything a resource depends on, through DependsOn, Ref and Fn::GetAtt, transitively. A Ref
     * in Metadata counts too: CloudFormation orders by every reference in the resource (the
     * conditional-dependency pattern relies on it).
     */
    static Set<String> dependencies(JsonNode resources, String logicalId) {
        Set<String> found = new TreeSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(logicalId));
        while (!pending.isEmpty()) {
            JsonNode resource = resources.path(pending.pop());
            List<String> direct = new ArrayList<>(Templates.references(resource.path("Properties")));
            direct.addAll(Templates.references(resource.path("Metadata")));
            resource.path("DependsOn").forEach(id -> direct.add(id.asText()));
            for (String id : direct) {
                if (resources.has(id) && found.add(id)) {
                    pending.push(id);
                }
            }
        }
        return found;
    }

    private static List<Map.Entry<String, JsonNode>> ofType(JsonNode resources, String type) {
        List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                found.add(e);
            }
        });
        return found;
    }
}

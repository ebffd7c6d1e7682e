package dmlflow.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws img/architecture.svg from the synthesized mlflow template, so the picture cannot
 * disagree with what is deployed: subnet tiers come from the route tables, arrows from the
 * security-group rules and the custom resources' references, labels from ports, parameters and
 * resource types. A relationship the template does not have is not drawn.
 */
final class ArchitectureDiagram {
    private record Box(String id, int x, int y, int w, int h, String title, List<String> lines, String fill) {
        int cx() {
            return x + w / 2;
        }

        int cy() {
            return y + h / 2;
        }
    }

    private final JsonNode resources;
    private final JsonNode parameters;
    private final Map<String, Box> boxes = new LinkedHashMap<>();
    private final List<String> edges = new ArrayList<>();

    private ArchitectureDiagram(JsonNode template) {
        this.resources = template.path("Resources");
        this.parameters = template.path("Parameters");
    }

    static String render(JsonNode template) {
        return new ArchitectureDiagram(template).draw();
    }

    private String draw() {
        Map<String, String> tiers = subnetTiers();
        long publicSubnets = tiers.values().stream().filter("public"::equals).count();
        long privateSubnets = tiers.values().stream().filter("private"::equals).count();
        long isolatedSubnets = tiers.values().stream().filter("isolated"::equals).count();

        String alb = first("AWS::ElasticLoadBalancingV2::LoadBalancer");
        String service = first("AWS::ECS::Service");
        String cluster = first("AWS::RDS::DBCluster");
        String nat = first("AWS::EC2::NatGateway");
        String endpoint = first("AWS::EC2::VPCEndpoint");

        box("internet", 20, 250, 150, 90, "Internet", List.of("clients in", "AllowedCidr"), "#f5f5f5");
        box("public", 200, 60, 230, 500, "Public subnets \u00d7 " + publicSubnets, List.of(), "#e8f4fd");
        box("private", 450, 60, 260, 500, "Private subnets \u00d7 " + privateSubnets, List.of(), "#eef8ee");
        box("isolated", 730, 60, 230, 500, "Isolated subnets \u00d7 " + isolatedSubnets, List.of(), "#fdf3e6");
        box(alb, 212, 230, 206, 110, "Load balancer", listenerPorts(), "#ffffff");
        if (nat != null) {
            box(nat, 212, 430, 206, 70, "NAT gateway", List.of("egress of the private subnets"), "#ffffff");
        }
        box(service, 465, 220, 230, 130, "MLflow tracking server", List.of("ECS Fargate service",
                "port " + containerPort(), defaultOf("MlflowImage").replace("ghcr.io/", "")), "#ffffff");
        box(cluster, 750, 200, 190, 110, "Aurora MySQL 3", List.of("Serverless v2, " + defaultOf("DatabaseMinCapacity")
                + "\u2013" + defaultOf("DatabaseMaxCapacity") + " ACU", "snapshot on delete"), "#ffffff");
        box(first("AWS::S3::Bucket"), 1000, 380, 200, 80, "S3 artifact bucket", List.of("private, versioned, retained",
                "outside the VPC"), "#ffffff");
        int y = 90;
        for (String type : List.of(DatabaseSetup.TYPE, SchemaMigration.TYPE, HealthGate.TYPE)) {
            String id = first(type);
            if (id != null) {
                box(id, 465, y, 230, 50, type, List.of(describe(type)), "#fff8dc");
                y += 60;
            }
            if (y == 210) {
                y = 390;
            }
        }

        arrow("internet", alb, "HTTP(S)");
        ingressArrows();
        if (endpoint != null) {
            arrow(service, first("AWS::S3::Bucket"), "artifacts via gateway endpoint");
        }
        String schema = first(SchemaMigration.TYPE);
        if (schema != null && dependsOn(service).contains(schema)) {
            order(schema, service, "service starts after");
        }
        String gate = first(HealthGate.TYPE);
        if (gate != null && nat != null && references(resources.path(gate)).contains(alb)) {
            arrow(gate, nat, "/health");
            arrow(nat, alb, "");
        }
        if (gate != null && references(resources.path(gate).path("Properties"))
                .containsAll(references(resources.path(service).path("Properties").path("TaskDefinition")))) {
            order(gate, service, "watches");
        }
        return svg();
    }

    /** Subnet logical id → public (route to the internet gateway), private (route to a NAT), isolated. */
    private Map<String, String> subnetTiers() {
        Map<String, String> tableTier = new LinkedHashMap<>();
        forEach("AWS::EC2::Route", (id, route) -> {
            JsonNode p = route.path("Properties");
            String table = references(p.path("RouteTableId")).get(0);
            if (p.has("NatGatewayId")) {
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

    /** An arrow per security-group rule that lets one of our resources reach another. */
    private void ingressArrows() {
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
        forEach("AWS::EC2::SecurityGroupIngress", (id, rule) -> {
            JsonNode p = rule.path("Properties");
            List<String> from = references(p.path("SourceSecurityGroupId"));
            List<String> to = references(p.path("GroupId"));
            if (!from.isEmpty() && !to.isEmpty() && owner.containsKey(from.get(0)) && owner.containsKey(to.get(0))) {
                String source = owner.get(from.get(0));
                if (resources.path(source).path("Type").asText().equals("AWS::Lambda::Function")) {
                    source = customResourceServedBy(source);
                }
                arrow(source, owner.get(to.get(0)), ":" + p.path("FromPort").asText());
            }
        });
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

    private List<String> listenerPorts() {
        List<String> lines = new ArrayList<>();
        forEach("AWS::ElasticLoadBalancingV2::Listener", (id, listener) -> {
            JsonNode p = listener.path("Properties");
            lines.add(p.path("Protocol").asText() + " :" + p.path("Port").asText()
                    + (listener.has("Condition") ? " if CertificateArn" : ""));
        });
        lines.add("internet-facing");
        return lines;
    }

    private String containerPort() {
        String task = first("AWS::ECS::TaskDefinition");
        return resources.path(task).path("Properties").path("ContainerDefinitions").get(0)
                .path("PortMappings").get(0).path("ContainerPort").asText();
    }

    private static String describe(String type) {
        return switch (type) {
            case DatabaseSetup.TYPE -> "databases and the MLflow user";
            case SchemaMigration.TYPE -> "one-off migration task first";
            case HealthGate.TYPE -> "holds the stack until healthy";
            default -> "";
        };
    }

    private String defaultOf(String parameter) {
        return parameters.path(parameter).path("Default").asText();
    }

    private String first(String type) {
        Iterator<Map.Entry<String, JsonNode>> all = resources.fields();
        while (all.hasNext()) {
            Map.Entry<String, JsonNode> r = all.next();
            if (r.getValue().path("Type").asText().equals(type)) {
                return r.getKey();
            }
        }
        return null;
    }

    private void forEach(String type, java.util.function.BiConsumer<String, JsonNode> action) {
        resources.fields().forEachRemaining(r -> {
            if (r.getValue().path("Type").asText().equals(type)) {
                action.accept(r.getKey(), r.getValue());
            }
        });
    }

    private static List<String> references(JsonNode value) {
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

    private void box(String id, int x, int y, int w, int h, String title, List<String> lines, String fill) {
        if (id != null) {
            boxes.put(id, new Box(id, x, y, w, h, title, lines, fill));
        }
    }

    private List<String> dependsOn(String id) {
        List<String> ids = new ArrayList<>();
        resources.path(id).path("DependsOn").forEach(d -> ids.add(d.asText()));
        return ids;
    }

    private void arrow(String from, String to, String label) {
        edge(from, to, label, "edge");
    }

    /** A dashed arrow: one thing waits for another. */
    private void order(String from, String to, String label) {
        edge(from, to, label, "edge order");
    }

    private void edge(String from, String to, String label, String style) {
        Box a = boxes.get(from);
        Box b = boxes.get(to);
        if (a == null || b == null) {
            return;
        }
        int[] start = edgePoint(a, b);
        int[] end = edgePoint(b, a);
        String edge = String.format("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>%n",
                start[0], start[1], end[0], end[1], style);
        if (!label.isEmpty()) {
            edge += String.format("  <text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"middle\">%s</text>%n",
                    (start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 8, escape(label));
        }
        if (!edges.contains(edge)) {
            edges.add(edge);
        }
    }

    /** Where the line from a's centre towards b leaves a's border. */
    private static int[] edgePoint(Box a, Box b) {
        double dx = b.cx() - a.cx();
        double dy = b.cy() - a.cy();
        double scale = Math.min(dx == 0 ? Double.MAX_VALUE : (a.w() / 2.0) / Math.abs(dx),
                dy == 0 ? Double.MAX_VALUE : (a.h() / 2.0) / Math.abs(dy));
        return new int[] {(int) Math.round(a.cx() + dx * scale), (int) Math.round(a.cy() + dy * scale)};
    }

    private String svg() {
        StringBuilder out = new StringBuilder();
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1220\" height=\"600\" viewBox=\"0 0 1220 600\""
                + " font-family=\"Helvetica, Arial, sans-serif\">\n");
        out.append("  <!-- Generated from templates/mlflow.yaml by template-generator (ArchitectureDiagram); do not edit. -->\n");
        out.append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                + " orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker>\n");
        out.append("  <style>.box{stroke:#555;stroke-width:1.2}.title{font-size:14px;font-weight:bold}.line{font-size:12px}"
                + ".edge{stroke:#444;stroke-width:1.5;marker-end:url(#arrow)}.order{stroke-dasharray:5 4}.label{font-size:11px;fill:#333}</style></defs>\n");
        out.append("  <rect x=\"190\" y=\"30\" width=\"785\" height=\"545\" rx=\"12\" fill=\"none\" stroke=\"#888\""
                + " stroke-dasharray=\"6 4\"/>\n");
        out.append("  <text x=\"200\" y=\"50\" class=\"title\">VPC (VpcCidr " + escape(defaultOf("VpcCidr"))
                + " by default), two availability zones</text>\n");
        for (Box box : boxes.values()) {
            out.append(String.format("  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"%s\" class=\"box\"/>%n",
                    box.x(), box.y(), box.w(), box.h(), box.fill()));
            out.append(String.format("  <text x=\"%d\" y=\"%d\" class=\"title\">%s</text>%n", box.x() + 10, box.y() + 20,
                    escape(box.title())));
            int line = box.y() + 38;
            for (String text : box.lines()) {
                out.append(String.format("  <text x=\"%d\" y=\"%d\" class=\"line\">%s</text>%n", box.x() + 10, line, escape(text)));
                line += 16;
            }
        }
        edges.forEach(out::append);
        out.append("</svg>\n");
        return out.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package dmlflow.template.docs;

import dmlflow.template.mlflow.CustomResourceTypes;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Draws img/architecture.svg from the synthesized mlflow template, so the picture cannot
 * disagree with what is deployed: subnet tiers come from the route tables, arrows from the
 * security-group rules and the custom resources' references, labels from ports, parameters,
 * Conditions and resource types. A relationship the template does not have is not drawn.
 *
 * <p>What a deploy with the parameters' defaults does not make (its Condition is false then) is
 * drawn dashed, naming the parameters that make it. Arrow labels go where they cross no line, no
 * border and no other text; ArchitectureDiagramTest measures the picture to hold that.
 */
public final class ArchitectureDiagram {
    private static final double CANVAS_WIDTH = 1470;
    /** Room kept between a label and whatever it must not touch. */
    private static final double CLEARANCE = 3;

    private record Point(double x, double y) {
    }

    private record Segment(Point from, Point to) {
        Point at(double t) {
            return new Point(from.x() + (to.x() - from.x()) * t, from.y() + (to.y() - from.y()) * t);
        }

        /** Whether any part of the segment lies in the rectangle (Liang–Barsky clipping). */
        boolean meets(Rect r) {
            double dx = to.x() - from.x();
            double dy = to.y() - from.y();
            double[] p = {-dx, dx, -dy, dy};
            double[] q = {from.x() - r.x(), r.right() - from.x(), from.y() - r.y(), r.bottom() - from.y()};
            double enter = 0;
            double leave = 1;
            for (int i = 0; i < 4; i++) {
                if (p[i] == 0) {
                    if (q[i] < 0) {
                        return false;
                    }
                } else if (p[i] < 0) {
                    enter = Math.max(enter, q[i] / p[i]);
                } else {
                    leave = Math.min(leave, q[i] / p[i]);
                }
            }
            return enter <= leave;
        }
    }

    private record Rect(double x, double y, double w, double h) {
        double right() {
            return x + w;
        }

        double bottom() {
            return y + h;
        }

        Point centre() {
            return new Point(x + w / 2, y + h / 2);
        }

        Rect grown(double by) {
            return new Rect(x - by, y - by, w + 2 * by, h + 2 * by);
        }

        boolean overlaps(Rect o) {
            return x < o.right() && o.x() < right() && y < o.bottom() && o.y() < bottom();
        }

        boolean contains(Rect o) {
            return x < o.x() && o.right() < right() && y < o.y() && o.bottom() < bottom();
        }
    }

    /**
     * The picture's three text styles. Widths are estimated per character, wide enough for DejaVu
     * Sans, the broadest of the sans-serif fonts a viewer falls back to for Helvetica: its widest
     * strings here average 0.664 em a character ("named DomainName"), 0.676 in bold ("NAT gateway").
     */
    private enum Font {
        TITLE("title", 14, 0.72), LINE("line", 12, 0.68), LABEL("label", 11, 0.68);

        final String cssClass;
        final double size;
        final double perCharacter;

        Font(String cssClass, double size, double perCharacter) {
            this.cssClass = cssClass;
            this.size = size;
            this.perCharacter = perCharacter;
        }

        double width(String text) {
            return text.length() * size * perCharacter;
        }
    }

    private record Text(double x, double y, Font font, boolean centred, String content) {
        /** Ascent and descent as DejaVu Sans has them (0.93 and 0.24 em), rounded up. */
        Rect bounds() {
            double w = font.width(content);
            return new Rect(centred ? x - w / 2 : x, y - 0.95 * font.size, w, 1.2 * font.size);
        }

        static Text centredIn(Rect r, Font font, String content) {
            return new Text(Math.round(r.centre().x()), Math.round(r.bottom() - 0.25 * font.size), font, true, content);
        }

        String svg() {
            return String.format("  <text x=\"%s\" y=\"%s\" class=\"%s\"%s>%s</text>%n", number(x), number(y), font.cssClass,
                    centred ? " text-anchor=\"middle\"" : "", escape(content));
        }
    }

    private record Box(String id, Rect frame, String title, List<String> lines, String fill, boolean optional) {
        List<Text> texts() {
            List<Text> texts = new ArrayList<>();
            texts.add(new Text(frame.x() + 10, frame.y() + 20, Font.TITLE, false, title));
            for (int i = 0; i < lines.size(); i++) {
                texts.add(new Text(frame.x() + 10, frame.y() + 38 + 16 * i, Font.LINE, false, lines.get(i)));
            }
            return texts;
        }

        /** A box in the slot's place and width, its lines wrapped to fit, as tall as they need and at least the slot. */
        static Box sized(String id, Rect slot, String title, List<String> lines, String fill, boolean optional) {
            List<String> wrapped = new ArrayList<>();
            lines.forEach(line -> wrapped.addAll(wrap(line, slot.w() - 10 - 2 * CLEARANCE)));
            double needed = wrapped.isEmpty() ? 36 : 48 + 16 * (wrapped.size() - 1);
            return new Box(id, new Rect(slot.x(), slot.y(), slot.w(), Math.max(slot.h(), needed)), title, wrapped, fill,
                    optional);
        }

        private static List<String> wrap(String line, double width) {
            List<String> lines = new ArrayList<>();
            String current = "";
            for (String word : line.split(" ")) {
                String longer = current.isEmpty() ? word : current + " " + word;
                if (!current.isEmpty() && Font.LINE.width(longer) > width) {
                    lines.add(current);
                    current = word;
                } else {
                    current = longer;
                }
            }
            lines.add(current);
            return lines;
        }

        String svg() {
            StringBuilder out = new StringBuilder(String.format(
                    "  <rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"8\" fill=\"%s\" class=\"box%s\"/>%n",
                    number(frame.x()), number(frame.y()), number(frame.w()), number(frame.h()), fill,
                    optional ? " optional" : ""));
            texts().forEach(text -> out.append(text.svg()));
            return out.toString();
        }
    }

    private enum Style {
        FLOW("edge"), ORDER("edge order"), OPTIONAL("edge optional");

        final String cssClass;

        Style(String cssClass) {
            this.cssClass = cssClass;
        }
    }

    private record Edge(Box from, Box to, String label, Style style) {
        Segment line() {
            return new Segment(borderPoint(from, to), borderPoint(to, from));
        }

        /** The line and the sides of its arrowhead (a 10.5 px marker: 7 units of a 1.5 px stroke). */
        List<Segment> strokes() {
            Segment line = line();
            double length = Math.hypot(line.to().x() - line.from().x(), line.to().y() - line.from().y());
            double ux = (line.to().x() - line.from().x()) / length;
            double uy = (line.to().y() - line.from().y()) / length;
            Point tip = new Point(line.to().x() + ux * 1.5, line.to().y() + uy * 1.5);
            Point base = new Point(line.to().x() - ux * 10, line.to().y() - uy * 10);
            Point left = new Point(base.x() - uy * 5.5, base.y() + ux * 5.5);
            Point right = new Point(base.x() + uy * 5.5, base.y() - ux * 5.5);
            return List.of(line, new Segment(left, tip), new Segment(right, tip), new Segment(left, right));
        }

        /** Where the line from a's centre towards b's leaves a's border. */
        private static Point borderPoint(Box a, Box b) {
            Point from = a.frame().centre();
            Point to = b.frame().centre();
            double dx = to.x() - from.x();
            double dy = to.y() - from.y();
            double scale = Math.min(dx == 0 ? Double.MAX_VALUE : (a.frame().w() / 2) / Math.abs(dx),
                    dy == 0 ? Double.MAX_VALUE : (a.frame().h() / 2) / Math.abs(dy));
            return new Point(Math.round(from.x() + dx * scale), Math.round(from.y() + dy * scale));
        }

        String svg(Text placedLabel) {
            Segment line = line();
            return String.format("  <line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" class=\"%s\"/>%n", number(line.from().x()),
                    number(line.from().y()), number(line.to().x()), number(line.to().y()), style.cssClass)
                    + (placedLabel == null ? "" : placedLabel.svg());
        }
    }

    private final JsonNode resources;
    private final JsonNode parameters;
    private final JsonNode conditions;
    private final Map<String, Box> boxes = new LinkedHashMap<>();
    private final List<Box> tiers = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    private Rect vpc;

    private ArchitectureDiagram(JsonNode template) {
        this.resources = template.path("Resources");
        this.parameters = template.path("Parameters");
        this.conditions = template.path("Conditions");
    }

    public static String render(JsonNode template) {
        return new ArchitectureDiagram(template).draw();
    }

    private String draw() {
        String alb = first("AWS::ElasticLoadBalancingV2::LoadBalancer");
        String service = first("AWS::ECS::Service");
        String nat = natBox();
        insideTheVpc(alb, service);
        enclose(); // measures the boxes so far: all inside the VPC
        outsideTheVpc();
        alarmsBox();
        connect(alb, service, nat);
        return svg();
    }

    private void insideTheVpc(String alb, String service) {
        box(alb, 272, 255, 256, 96, "Load balancer", listenerLines());
        box(service, 614, 255, 256, 96, "MLflow tracking server", List.of("ECS Fargate service", "port " + containerPort(),
                defaultOf("MlflowImage").replace("ghcr.io/", "")));
        box(first("AWS::RDS::DBCluster"), 974, 160, 200, 96, "Aurora MySQL 3", List.of("Serverless v2, "
                + defaultOf("DatabaseMinCapacity") + "\u2013" + defaultOf("DatabaseMaxCapacity") + " ACU",
                "snapshot on delete"));
        // The database and schema come before the service, the health gate after it.
        double[] above = {95, 163};
        int slot = 0;
        for (String type : List.of(CustomResourceTypes.DATABASE, CustomResourceTypes.SCHEMA, CustomResourceTypes.HEALTH)) {
            String id = first(type);
            if (id != null) {
                double y = type.equals(CustomResourceTypes.HEALTH) ? 395 : above[slot++];
                boxes.put(id, Box.sized(id, new Rect(614, y, 256, 48), type, List.of(describe(type)), "#fff8dc", false));
            }
        }
    }

    /** The subnet tiers and the VPC, as tall as the boxes in them. */
    private void enclose() {
        double bottom = boxes.values().stream().mapToDouble(box -> box.frame().bottom()).max().orElse(500) + 20;
        Map<String, String> tierOf = subnetTiers();
        // Between the tiers and on the private tier's right: room for the arrows' labels.
        tiers.add(tier("Public", tierOf, new Rect(260, 60, 280, bottom - 60), "#e8f4fd"));
        tiers.add(tier("Private", tierOf, new Rect(600, 60, 304, bottom - 60), "#eef8ee"));
        tiers.add(tier("Isolated", tierOf, new Rect(954, 60, 240, bottom - 60), "#fdf3e6"));
        vpc = new Rect(250, 30, 954, bottom + 12 - 30);
    }

    private static Box tier(String name, Map<String, String> tierOf, Rect frame, String fill) {
        long subnets = tierOf.values().stream().filter(name.toLowerCase(Locale.ROOT)::equals).count();
        return new Box(name, frame, name + " subnets \u00d7 " + subnets, List.of(), fill, false);
    }

    private void outsideTheVpc() {
        boxes.put("internet", Box.sized("internet", new Rect(20, 258, 170, 90), "Internet",
                List.of("clients in", "AllowedCidr"), "#f5f5f5", false));
        forEach("AWS::Route53::RecordSet", (id, record) -> {
            List<String> named = references(record.path("Properties").path("Name"));
            conditionalBox(id, new Rect(20, 95, 170, 0), "DNS record", named.isEmpty() ? List.of("Route 53 alias")
                    : List.of("Route 53 alias", "named " + named.get(0)));
        });
        forEach("AWS::CertificateManager::Certificate", (id, certificate) -> {
            JsonNode validation = certificate.path("Properties").path("ValidationMethod");
            conditionalBox(id, new Rect(20, 420, 170, 0), "ACM certificate",
                    validation.isMissingNode() ? List.of() : List.of("validated by " + validation.asText()));
        });
        box(first("AWS::S3::Bucket"), 1250, 400, 200, 80, "S3 artifact bucket", List.of("private, versioned, retained",
                "outside the VPC"));
    }

    /**
     * Alarms that tell someone: those whose actions publish to an SNS topic (the NAT instance's
     * recover and reboot alarms act on EC2, and count only if they publish too), the rules that
     * publish there, and the dashboard.
     */
    private void alarmsBox() {
        String topic = first("AWS::SNS::Topic");
        String dashboard = first("AWS::CloudWatch::Dashboard");
        List<String> lines = new ArrayList<>();
        if (topic != null) {
            lines.addAll(publishers(topic, "CloudWatch alarm", "AWS::CloudWatch::Alarm", "AlarmActions", "OKActions",
                    "InsufficientDataActions"));
            lines.addAll(publishers(topic, "EventBridge rule", "AWS::Events::Rule", "Targets"));
            lines.add("SNS topic" + subscriptionProtocols(topic));
        }
        if (dashboard != null) {
            lines.add("CloudWatch dashboard");
        }
        if (topic != null) {
            conditionalBox(topic, new Rect(1250, 95, 200, 0), dashboard == null ? "Alarms" : "Alarms, dashboard", lines);
        } else if (dashboard != null) {
            conditionalBox(dashboard, new Rect(1250, 95, 200, 0), "Dashboard", lines);
        }
    }

    /** "4 CloudWatch alarms", then "+2 if NatMode=instance" for those made under a Condition of their own. */
    private List<String> publishers(String topic, String noun, String type, String... fields) {
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
        underOtherConditions.forEach((condition, count) -> lines.add("+" + count + " if " + enabledBy(condition)));
        return lines;
    }

    private String subscriptionProtocols(String topic) {
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

    /** A box for a resource under a Condition: it names what enables it, dashed if the defaults leave it out. */
    private void conditionalBox(String id, Rect slot, String title, List<String> lines) {
        String condition = conditionOf(id);
        List<String> all = new ArrayList<>(lines);
        if (!condition.isEmpty()) {
            all.add("if " + enabledBy(condition));
        }
        boolean optional = !condition.isEmpty() && !holdsByDefault(conditions.path(condition));
        boxes.put(id, Box.sized(id, slot, title, all, optional ? "#faf7ff" : "#ffffff", optional));
    }

    private void connect(String alb, String service, String nat) {
        arrow("internet", alb, "HTTP(S)");
        ingressArrows();
        if (first("AWS::EC2::VPCEndpoint") != null) {
            arrow(service, first("AWS::S3::Bucket"), "artifacts via gateway endpoint");
        }
        String schema = first(CustomResourceTypes.SCHEMA);
        if (schema != null && dependsOn(service).contains(schema)) {
            edge(schema, service, "service starts after", Style.ORDER);
        }
        String gate = first(CustomResourceTypes.HEALTH);
        if (gate != null && nat != null && references(resources.path(gate)).contains(alb)) {
            arrow(gate, nat, "/health");
            arrow(nat, alb, "");
        }
        if (gate != null && references(resources.path(gate).path("Properties"))
                .containsAll(references(resources.path(service).path("Properties").path("TaskDefinition")))) {
            edge(gate, service, "watches", Style.ORDER);
        }
        forEach("AWS::Route53::RecordSet", (id, record) -> {
            if (references(record.path("Properties").path("AliasTarget")).contains(alb)) {
                arrow(id, alb, "alias");
            }
        });
        forEach("AWS::CertificateManager::Certificate", (certificate, unused) -> forEach(
                "AWS::ElasticLoadBalancingV2::Listener", (id, listener) -> {
                    if (references(listener.path("Properties").path("Certificates")).contains(certificate)) {
                        arrow(certificate, alb, ":" + listener.path("Properties").path("Port").asText());
                    }
                }));
    }

    /** Subnet logical id → public (route to the internet gateway), private (route to a NAT), isolated. */
    private Map<String, String> subnetTiers() {
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

    /**
     * One box for whatever the private subnets' default routes go through: a NAT gateway, a NAT
     * instance, or either, as a parameter chooses (each then under its own Condition).
     */
    private String natBox() {
        Set<String> nats = new LinkedHashSet<>();
        forEach("AWS::EC2::Route", (id, route) -> {
            nats.addAll(references(route.path("Properties").path("NatGatewayId")));
            nats.addAll(references(route.path("Properties").path("InstanceId")));
        });
        nats.removeIf(ref -> !resources.has(ref)); // Fn::If's other branch: AWS::NoValue
        if (nats.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        nats.stream().filter(nat -> !conditionOf(nat).isEmpty())
                .forEach(nat -> lines.add(natKind(nat) + " if " + enabledBy(conditionOf(nat))));
        if (nats.size() > 1) {
            nats.stream().filter(nat -> !conditionOf(nat).isEmpty() && holdsByDefault(conditions.path(conditionOf(nat))))
                    .forEach(nat -> lines.add(natKind(nat) + " by default"));
        }
        lines.add("egress of the private subnets");
        String box = nats.iterator().next();
        box(box, 272, 395, 256, 0, "NAT " + String.join(" or ", nats.stream().map(this::natKind).toList()), lines);
        return box;
    }

    private String natKind(String nat) {
        return resources.path(nat).path("Type").asText().equals("AWS::EC2::NatGateway") ? "gateway" : "instance";
    }

    private String conditionOf(String id) {
        return resources.path(id).path("Condition").asText("");
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

    private List<String> listenerLines() {
        List<String> lines = new ArrayList<>();
        forEach("AWS::ElasticLoadBalancingV2::Listener", (id, listener) -> {
            JsonNode p = listener.path("Properties");
            lines.add(p.path("Protocol").asText() + " :" + p.path("Port").asText()
                    + (listener.has("Condition") ? " if " + enabledBy(listener.path("Condition").asText()) : ""));
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
            case CustomResourceTypes.DATABASE -> "databases and the MLflow user";
            case CustomResourceTypes.SCHEMA -> "one-off migration task first";
            case CustomResourceTypes.HEALTH -> "holds the stack until healthy";
            default -> "";
        };
    }

    /** A Condition in the parameters' words: "CertificateArn", "NatMode=gateway", "DomainName + HostedZoneId". */
    private String enabledBy(String condition) {
        JsonNode expression = conditions.path(condition);
        return expression.isMissingNode() ? condition : inWords(expression);
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
            return emptied != null ? emptied : "not (" + inWords(inner) + ")";
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

    private void forEach(String type, BiConsumer<String, JsonNode> action) {
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

    private List<String> dependsOn(String id) {
        List<String> ids = new ArrayList<>();
        resources.path(id).path("DependsOn").forEach(d -> ids.add(d.asText()));
        return ids;
    }

    /** A box at (x, y) with lines wrapped to its width, as tall as they need and at least minHeight. */
    private void box(String id, double x, double y, double w, double minHeight, String title, List<String> lines) {
        if (id != null) {
            boxes.put(id, Box.sized(id, new Rect(x, y, w, minHeight), title, lines, "#ffffff", false));
        }
    }

    private void arrow(String from, String to, String label) {
        edge(from, to, label, Style.FLOW);
    }

    private void edge(String from, String to, String label, Style style) {
        Box a = boxes.get(from);
        Box b = boxes.get(to);
        if (a == null || b == null) {
            return;
        }
        Edge edge = new Edge(a, b, label, a.optional() || b.optional() ? Style.OPTIONAL : style);
        if (!edges.contains(edge)) {
            edges.add(edge);
        }
    }

    private String svg() {
        List<String> legend = legend();
        double height = Math.max(vpc.bottom(), boxes.values().stream().mapToDouble(b -> b.frame().bottom()).max()
                .orElse(0)) + 24 + 18 * legend.size();
        List<Text> fixedTexts = new ArrayList<>();
        for (int i = 0; i < legend.size(); i++) {
            fixedTexts.add(new Text(20, height - 10 - 18 * (legend.size() - 1 - i), Font.LABEL, false, legend.get(i)));
        }
        fixedTexts.add(new Text(260, 50, Font.TITLE, false, "VPC (VpcCidr " + defaultOf("VpcCidr")
                + " by default), two availability zones"));
        Labels labels = new Labels(new Rect(0, 0, CANVAS_WIDTH, height), fixedTexts);

        StringBuilder out = new StringBuilder(header(height));
        out.append(String.format("  <rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"12\" fill=\"none\" stroke=\"#888\""
                + " stroke-dasharray=\"6 4\"/>%n", number(vpc.x()), number(vpc.y()), number(vpc.w()), number(vpc.h())));
        tiers.forEach(tier -> out.append(tier.svg()));
        boxes.values().forEach(box -> out.append(box.svg()));
        edges.forEach(edge -> out.append(edge.svg(labels.place(edge))));
        fixedTexts.forEach(text -> out.append(text.svg()));
        out.append("</svg>\n");
        return out.toString();
    }

    private static String header(double height) {
        return String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\""
                + " font-family=\"Helvetica, Arial, sans-serif\">%n", number(CANVAS_WIDTH), number(height),
                number(CANVAS_WIDTH), number(height))
                + "  <!-- Generated from templates/mlflow.yaml by template-generator (ArchitectureDiagram); do not edit. -->\n"
                + "  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                + " orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker>\n"
                + "  <style>.box{stroke:#555;stroke-width:1.2}.box.optional{stroke:#7b4fa0;stroke-dasharray:6 3}"
                + ".title{font-size:14px;font-weight:bold}.line{font-size:12px}"
                + ".edge{stroke:#444;stroke-width:1.5;marker-end:url(#arrow)}.order{stroke-dasharray:5 4}"
                + ".edge.optional{stroke:#7b4fa0;stroke-dasharray:6 3}.label{font-size:11px;fill:#333}</style></defs>\n";
    }

    private List<String> legend() {
        List<String> legend = new ArrayList<>();
        if (edges.stream().anyMatch(edge -> edge.style() == Style.ORDER)) {
            legend.add("Dashed grey arrow: an order during deploys, not traffic.");
        }
        if (boxes.values().stream().anyMatch(Box::optional)) {
            legend.add("Dashed purple: made only on the condition it names, not with the parameters' defaults.");
        }
        return legend;
    }

    /** Puts each arrow's label beside its line where it touches no other text, line or border. */
    private final class Labels {
        private final Rect canvas;
        private final List<Rect> taken = new ArrayList<>();

        Labels(Rect canvas, List<Text> fixedTexts) {
            this.canvas = canvas;
            fixedTexts.forEach(text -> taken.add(text.bounds()));
            tiers.forEach(tier -> tier.texts().forEach(text -> taken.add(text.bounds())));
            boxes.values().forEach(box -> box.texts().forEach(text -> taken.add(text.bounds())));
        }

        /** The first clear spot from the middle of the line outwards; the middle if none is. */
        Text place(Edge edge) {
            if (edge.label().isEmpty()) {
                return null;
            }
            Segment line = edge.line();
            for (int step = 0; step <= 72; step++) {
                double t = 0.5 + (step % 2 == 0 ? 1 : -1) * 0.0125 * ((step + 1) / 2);
                for (Text candidate : besides(line, t, edge.label())) {
                    if (isClear(candidate.bounds().grown(CLEARANCE))) {
                        taken.add(candidate.bounds());
                        return candidate;
                    }
                }
            }
            Point middle = line.at(0.5);
            return new Text(Math.round(middle.x()), Math.round(middle.y()), Font.LABEL, true, edge.label());
        }

        /** The label above, below, right and left of the point at t, just clear of the line however it slopes. */
        private List<Text> besides(Segment line, double t, String label) {
            Point p = line.at(t);
            double dx = Math.abs(line.to().x() - line.from().x());
            double dy = Math.abs(line.to().y() - line.from().y());
            double w = Font.LABEL.width(label);
            double h = 1.2 * Font.LABEL.size;
            List<Text> above = new ArrayList<>();
            List<Text> aside = new ArrayList<>();
            if (dx > 0) {
                double lift = CLEARANCE + 1 + dy / dx * (w / 2 + CLEARANCE);
                above.add(Text.centredIn(new Rect(p.x() - w / 2, p.y() - lift - h, w, h), Font.LABEL, label));
                above.add(Text.centredIn(new Rect(p.x() - w / 2, p.y() + lift, w, h), Font.LABEL, label));
            }
            if (dy > 0) {
                double shift = CLEARANCE + 1 + dx / dy * (h / 2 + CLEARANCE);
                aside.add(Text.centredIn(new Rect(p.x() + shift, p.y() - h / 2, w, h), Font.LABEL, label));
                aside.add(Text.centredIn(new Rect(p.x() - shift - w, p.y() - h / 2, w, h), Font.LABEL, label));
            }
            List<Text> all = new ArrayList<>(dx >= dy ? above : aside);
            all.addAll(dx >= dy ? aside : above);
            return all;
        }

        private boolean isClear(Rect label) {
            if (!canvas.contains(label) || taken.stream().anyMatch(label::overlaps)) {
                return false;
            }
            for (Edge other : edges) {
                if (other.strokes().stream().anyMatch(stroke -> stroke.meets(label))) {
                    return false;
                }
            }
            List<Rect> frames = new ArrayList<>(List.of(vpc));
            tiers.forEach(tier -> frames.add(tier.frame()));
            boxes.values().forEach(box -> frames.add(box.frame()));
            return frames.stream().allMatch(frame -> frame.contains(label) || !frame.overlaps(label));
        }
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

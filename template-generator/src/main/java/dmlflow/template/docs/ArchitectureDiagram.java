package dmlflow.template.docs;

import static dmlflow.template.docs.DiagramGeometry.CLEARANCE;
import static dmlflow.template.docs.DiagramGeometry.number;
import static dmlflow.template.docs.TemplateReader.describe;
import static dmlflow.template.docs.TemplateReader.references;

import dmlflow.template.docs.DiagramGeometry.Font;
import dmlflow.template.docs.DiagramGeometry.Point;
import dmlflow.template.docs.DiagramGeometry.Rect;
import dmlflow.template.docs.DiagramGeometry.Segment;
import dmlflow.template.docs.DiagramGeometry.Text;
import dmlflow.template.mlflow.CustomResourceTypes;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Draws img/architecture.svg from the synthesized mlflow template, so the picture cannot
 * disagree with what is deployed: subnet tiers come from the route tables, arrows from the
 * security-group rules and the custom resources' references, labels from ports, parameters,
 * Conditions and resource types. A relationship the template does not have is not drawn.
 *
 * <p>What a deploy with the parameters' defaults does not make (its Condition is false then) is
 * drawn dashed, naming the parameters that make it. Arrow labels go where they cross no line, no
 * border and no other text; ArchitectureDiagramTest measures the picture to hold that.
 *
 * <p>This class lays the picture out and writes it; {@link TemplateReader} reads the template
 * and {@link LabelPlacer} finds the labels their places.
 */
public final class ArchitectureDiagram {
    private static final double CANVAS_WIDTH = 1470;

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

    private final TemplateReader template;
    private final Map<String, Box> boxes = new LinkedHashMap<>();
    private final List<Box> tiers = new ArrayList<>();
    private final List<Edge> edges = new ArrayList<>();
    private Rect vpc;

    private ArchitectureDiagram(JsonNode template) {
        this.template = new TemplateReader(template);
    }

    public static String render(JsonNode template) {
        return new ArchitectureDiagram(template).draw();
    }

    private String draw() {
        String alb = template.first("AWS::ElasticLoadBalancingV2::LoadBalancer");
        String service = template.first("AWS::ECS::Service");
        String nat = natBox();
        insideTheVpc(alb, service);
        enclose(); // measures the boxes so far: all inside the VPC
        outsideTheVpc();
        alarmsBox();
        connect(alb, service, nat);
        return svg();
    }

    private void insideTheVpc(String alb, String service) {
        box(alb, 272, 255, 256, 96, "Load balancer", template.listenerLines());
        box(service, 614, 255, 256, 96, "MLflow tracking server", List.of("ECS Fargate service",
                "port " + template.containerPort(), template.defaultOf("MlflowImage").replace("ghcr.io/", "")));
        box(template.first("AWS::RDS::DBCluster"), 974, 160, 200, 96, "Aurora MySQL 3", List.of("Serverless v2, "
                + template.defaultOf("DatabaseMinCapacity") + "\u2013" + template.defaultOf("DatabaseMaxCapacity")
                + " ACU", "snapshot on delete"));
        // The database and schema come before the service, the health gate after it.
        double[] above = {95, 163};
        int slot = 0;
        for (String type : List.of(CustomResourceTypes.DATABASE, CustomResourceTypes.SCHEMA, CustomResourceTypes.HEALTH)) {
            String id = template.first(type);
            if (id != null) {
                double y = type.equals(CustomResourceTypes.HEALTH) ? 395 : above[slot++];
                boxes.put(id, Box.sized(id, new Rect(614, y, 256, 48), type, List.of(describe(type)), "#fff8dc", false));
            }
        }
    }

    /** The subnet tiers and the VPC, as tall as the boxes in them. */
    private void enclose() {
        double bottom = boxes.values().stream().mapToDouble(box -> box.frame().bottom()).max().orElse(500) + 20;
        Map<String, String> tierOf = template.subnetTiers();
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
        template.forEach("AWS::Route53::RecordSet", (id, record) -> {
            List<String> named = references(record.path("Properties").path("Name"));
            conditionalBox(id, new Rect(20, 95, 170, 0), "DNS record", named.isEmpty() ? List.of("Route 53 alias")
                    : List.of("Route 53 alias", "named " + named.get(0)));
        });
        template.forEach("AWS::CertificateManager::Certificate", (id, certificate) -> {
            JsonNode validation = certificate.path("Properties").path("ValidationMethod");
            conditionalBox(id, new Rect(20, 420, 170, 0), "ACM certificate",
                    validation.isMissingNode() ? List.of() : List.of("validated by " + validation.asText()));
        });
        box(template.first("AWS::S3::Bucket"), 1250, 400, 200, 80, "S3 artifact bucket",
                List.of("private, versioned, retained", "outside the VPC"));
    }

    /**
     * Alarms that tell someone: those whose actions publish to an SNS topic (the NAT instance's
     * recover and reboot alarms act on EC2, and count only if they publish too), the rules that
     * publish there, and the dashboard.
     */
    private void alarmsBox() {
        String topic = template.first("AWS::SNS::Topic");
        String dashboard = template.first("AWS::CloudWatch::Dashboard");
        List<String> lines = new ArrayList<>();
        if (topic != null) {
            lines.addAll(template.publishers(topic, "CloudWatch alarm", "AWS::CloudWatch::Alarm", "AlarmActions",
                    "OKActions", "InsufficientDataActions"));
            lines.addAll(template.publishers(topic, "EventBridge rule", "AWS::Events::Rule", "Targets"));
            lines.add("SNS topic" + template.subscriptionProtocols(topic));
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

    /** A box for a resource under a Condition: it names what enables it, dashed if the defaults leave it out. */
    private void conditionalBox(String id, Rect slot, String title, List<String> lines) {
        String condition = template.conditionOf(id);
        List<String> all = new ArrayList<>(lines);
        if (!condition.isEmpty()) {
            all.add("if " + template.enabledBy(condition));
        }
        boolean optional = !condition.isEmpty() && !template.holdsByDefault(condition);
        boxes.put(id, Box.sized(id, slot, title, all, optional ? "#faf7ff" : "#ffffff", optional));
    }

    private void connect(String alb, String service, String nat) {
        arrow("internet", alb, "HTTP(S)");
        ingressArrows();
        if (template.first("AWS::EC2::VPCEndpoint") != null) {
            arrow(service, template.first("AWS::S3::Bucket"), "artifacts via gateway endpoint");
        }
        String schema = template.first(CustomResourceTypes.SCHEMA);
        if (schema != null && template.dependsOn(service).contains(schema)) {
            edge(schema, service, "service starts after", Style.ORDER);
        }
        String gate = template.first(CustomResourceTypes.HEALTH);
        if (gate != null && nat != null && references(template.resource(gate)).contains(alb)) {
            arrow(gate, nat, "/health");
            arrow(nat, alb, "");
        }
        if (gate != null && references(template.resource(gate).path("Properties"))
                .containsAll(references(template.resource(service).path("Properties").path("TaskDefinition")))) {
            edge(gate, service, "watches", Style.ORDER);
        }
        template.forEach("AWS::Route53::RecordSet", (id, record) -> {
            if (references(record.path("Properties").path("AliasTarget")).contains(alb)) {
                arrow(id, alb, "alias");
            }
        });
        template.forEach("AWS::CertificateManager::Certificate", (certificate, unused) -> template.forEach(
                "AWS::ElasticLoadBalancingV2::Listener", (id, listener) -> {
                    if (references(listener.path("Properties").path("Certificates")).contains(certificate)) {
                        arrow(certificate, alb, ":" + listener.path("Properties").path("Port").asText());
                    }
                }));
    }

    /**
     * One box for whatever the private subnets' default routes go through: a NAT gateway, a NAT
     * instance, or either, as a parameter chooses (each then under its own Condition).
     */
    private String natBox() {
        Set<String> nats = template.nats();
        if (nats.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        List<String> conditional = nats.stream().filter(nat -> !template.conditionOf(nat).isEmpty()).toList();
        conditional.forEach(nat -> lines.add(template.natKind(nat) + " if "
                + template.enabledBy(template.conditionOf(nat))));
        if (nats.size() > 1) {
            conditional.stream().filter(nat -> template.holdsByDefault(template.conditionOf(nat)))
                    .forEach(nat -> lines.add(template.natKind(nat) + " by default"));
        }
        lines.add("egress of the private subnets");
        String box = nats.iterator().next();
        box(box, 272, 395, 256, 0, "NAT " + String.join(" or ", nats.stream().map(template::natKind).toList()), lines);
        return box;
    }

    /** An arrow per security-group rule that lets one of our resources reach another. */
    private void ingressArrows() {
        template.ingresses().forEach(ingress -> arrow(ingress.source(), ingress.target(), ":" + ingress.port()));
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
        fixedTexts.add(new Text(260, 50, Font.TITLE, false, "VPC (VpcCidr " + template.defaultOf("VpcCidr")
                + " by default), two availability zones"));
        LabelPlacer labels = labelPlacer(new Rect(0, 0, CANVAS_WIDTH, height), fixedTexts);

        StringBuilder out = new StringBuilder(header(height));
        out.append(String.format("  <rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"12\" fill=\"none\" stroke=\"#888\""
                + " stroke-dasharray=\"6 4\"/>%n", number(vpc.x()), number(vpc.y()), number(vpc.w()), number(vpc.h())));
        tiers.forEach(tier -> out.append(tier.svg()));
        boxes.values().forEach(box -> out.append(box.svg()));
        edges.forEach(edge -> out.append(edge.svg(labels.place(edge.line(), edge.label()))));
        fixedTexts.forEach(text -> out.append(text.svg()));
        out.append("</svg>\n");
        return out.toString();
    }

    /** Labels keep clear of every text, every arrow and every border drawn, the VPC's too. */
    private LabelPlacer labelPlacer(Rect canvas, List<Text> fixedTexts) {
        List<Text> texts = new ArrayList<>(fixedTexts);
        tiers.forEach(tier -> texts.addAll(tier.texts()));
        boxes.values().forEach(box -> texts.addAll(box.texts()));
        List<Rect> frames = new ArrayList<>(List.of(vpc));
        tiers.forEach(tier -> frames.add(tier.frame()));
        boxes.values().forEach(box -> frames.add(box.frame()));
        List<Segment> strokes = new ArrayList<>();
        edges.forEach(edge -> strokes.addAll(edge.strokes()));
        return new LabelPlacer(canvas, texts, frames, strokes);
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
}

package dmlflow.template.docs;

import dmlflow.template.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** img/architecture.svg: committed, fresh, legible, and a picture of the template rather than of intentions. */
class ArchitectureDiagramTest {
    private static final List<String> OPTIONAL_PARTS = List.of("ACM certificate", "validated by DNS", "DNS record",
            "Route 53 alias", "Alarms, dashboard", "CloudWatch alarm", "SNS topic", "CloudWatch dashboard",
            "if AlarmEmail", "if HostedZoneId", "Dashed purple");

    @Test
    void theCommittedPictureEqualsAFreshDrawing() throws Exception {
        Path committed = Templates.repositoryRoot().resolve("img/architecture.svg");
        assertThat(committed).as("img/ is generated: run ./mvnw -q -pl template-generator compile exec:java").exists();
        assertThat(Files.readString(committed)).isEqualTo(Templates.synthesis().architecture());
    }

    @Test
    void itShowsTheTiersAndPathsTheTemplateHas() {
        String svg = Templates.synthesis().architecture();
        assertThat(svg).contains("Public subnets \u00d7 2", "Private subnets \u00d7 2", "Isolated subnets \u00d7 2",
                "HTTP :80", "HTTPS :443 if CertificateArn", "port 5000", "Aurora MySQL 3", "S3 artifact bucket",
                "Custom::MlflowDatabase", "Custom::MlflowSchema", "Custom::MlflowHealth", "/health", "service starts after");
        assertThat(svg.split(">:3306<", -1)).as("two things reach the database").hasSize(3);
        assertThat(svg.split(">:5000<", -1)).as("only the load balancer reaches the tasks").hasSize(2);
    }

    @Test
    void aRelationshipTheTemplateLacksIsNotDrawn() {
        ObjectNode template = Templates.mlflow().deepCopy();
        ObjectNode resources = (ObjectNode) template.get("Resources");
        List<String> dbRules = new ArrayList<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::EC2::SecurityGroupIngress")
                    && e.getValue().path("Properties").path("FromPort").asInt() == 3306) {
                dbRules.add(e.getKey());
            }
        });
        dbRules.forEach(resources::remove);
        assertThat(ArchitectureDiagram.render(template)).doesNotContain(">:3306<");
    }

    @Test
    void theNatIsAGatewayOrAnInstanceAsNatModeChooses() {
        assertThat(Templates.synthesis().architecture()).contains(">NAT gateway or instance<",
                ">gateway if NatMode=gateway<", ">instance if NatMode=instance<", ">gateway by default<")
                .doesNotContain("NAT gateway<");
    }

    @Test
    void theCertificateDnsRecordAndAlarmsAppearOnlyWhenTheTemplateMakesThem() {
        String without = ArchitectureDiagram.render(OptionalParts.without(Templates.mlflow()));
        String with = ArchitectureDiagram.render(OptionalParts.with(Templates.mlflow()));

        assertThat(without).doesNotContain(OPTIONAL_PARTS).doesNotContain("class=\"box optional\"");
        assertThat(with).contains(OPTIONAL_PARTS).contains(">alias<", ">:443<", ">SNS topic: email<");
        assertThat(with.split("class=\"box optional\"", -1)).as("three dashed boxes").hasSize(4);
        assertThat(with).as("alarms that publish to the topic count; the NAT instance's recover and reboot alarms do not")
                .contains(">2 CloudWatch alarms<").doesNotContain(">+");
    }

    @Test
    void alarmsThatPublishOnlyUnderAConditionOfTheirOwnAreCountedApart() {
        ObjectNode template = OptionalParts.with(Templates.mlflow());
        template.get("Resources").forEach(resource -> {
            if (resource.path("Type").asText().equals("AWS::CloudWatch::Alarm")
                    && resource.path("Condition").asText().equals("NatInstance")) {
                ArrayNode publishIfEmail = ((ArrayNode) resource.path("Properties").path("AlarmActions")).addObject()
                        .putArray("Fn::If").add("HasAlarmEmail");
                publishIfEmail.addObject().put("Ref", OptionalParts.TOPIC);
                publishIfEmail.addObject().put("Ref", "AWS::NoValue");
            }
        });
        assertThat(ArchitectureDiagram.render(template)).contains(">2 CloudWatch alarms<", ">+2 if NatMode=instance<");
    }

    @Test
    void theSameTemplateDrawsTheSamePicture() {
        ObjectNode template = OptionalParts.with(Templates.mlflow());
        assertThat(ArchitectureDiagram.render(template)).isEqualTo(ArchitectureDiagram.render(template.deepCopy()));
    }

    static Stream<Arguments> pictures() {
        return Stream.of(
                Arguments.of("the stack's template", Templates.mlflow()),
                Arguments.of("without certificate, DNS and alarms", OptionalParts.without(Templates.mlflow())),
                Arguments.of("with certificate, DNS and alarms", OptionalParts.with(Templates.mlflow())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pictures")
    void noTextTouchesAnotherTextALineOrABorderItIsNotInside(String name, JsonNode template) {
        SvgLayout picture = SvgLayout.of(ArchitectureDiagram.render(template));
        assertThat(picture.labels()).hasSizeGreaterThan(30);
        assertThat(picture.overlaps()).isEmpty();
    }

    @Test
    void theLayoutCheckCatchesALabelOnALine() {
        assertThat(SvgLayout.of(picture("<line x1=\"0\" y1=\"50\" x2=\"300\" y2=\"52\" class=\"edge\"/>"
                + "<text x=\"150\" y=\"55\" class=\"label\" text-anchor=\"middle\">:3306</text>")).overlaps())
                .containsExactly("':3306' is crossed by the line (0,50)-(300,52)");
    }

    @Test
    void theLayoutCheckCatchesALabelOnAnArrowhead() {
        assertThat(SvgLayout.of(picture("<line x1=\"0\" y1=\"50\" x2=\"200\" y2=\"50\" class=\"edge\"/>"
                + "<text x=\"190\" y=\"44\" class=\"label\">HTTP(S)</text>")).overlaps())
                .as("clear of the line itself, not of its arrowhead").isNotEmpty()
                .allMatch(overlap -> overlap.startsWith("'HTTP(S)' is crossed by the line"))
                .noneMatch(overlap -> overlap.endsWith("(0,50)-(200,50)"));
    }

    @Test
    void theLayoutCheckCatchesALabelAcrossABorder() {
        assertThat(SvgLayout.of(picture("<rect x=\"100\" y=\"10\" width=\"100\" height=\"80\"/>"
                + "<text x=\"100\" y=\"50\" class=\"label\" text-anchor=\"middle\">service starts after</text>")).overlaps())
                .containsExactly("'service starts after' straddles the border of the box [100,10 100x80]");
    }

    @Test
    void theLayoutCheckCatchesTextsOnEachOtherAndOutOfThePicture() {
        assertThat(SvgLayout.of(picture("<text x=\"20\" y=\"50\" class=\"title\">Load balancer</text>"
                + "<text x=\"60\" y=\"56\" class=\"line\">internet-facing</text>"
                + "<text x=\"290\" y=\"90\" class=\"line\">outside</text>")).overlaps())
                .containsExactly("'Load balancer' overlaps 'internet-facing'", "'outside' leaves the picture");
    }

    @Test
    void theLayoutCheckPassesTextInsideABoxAndBesideALine() {
        assertThat(SvgLayout.of(picture("<rect x=\"10\" y=\"10\" width=\"150\" height=\"60\"/>"
                + "<text x=\"20\" y=\"30\" class=\"title\">Internet</text>"
                + "<line x1=\"160\" y1=\"40\" x2=\"290\" y2=\"40\" class=\"edge\"/>"
                + "<text x=\"225\" y=\"33\" class=\"label\" text-anchor=\"middle\">HTTP(S)</text>")).overlaps())
                .isEmpty();
    }

    private static String picture(String elements) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"100\">" + elements + "</svg>";
    }
}

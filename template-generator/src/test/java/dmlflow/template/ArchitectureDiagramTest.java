package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** img/architecture.svg: committed, fresh, and a picture of the template rather than of intentions. */
class ArchitectureDiagramTest {
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
        java.util.List<String> dbRules = new java.util.ArrayList<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::EC2::SecurityGroupIngress")
                    && e.getValue().path("Properties").path("FromPort").asInt() == 3306) {
                dbRules.add(e.getKey());
            }
        });
        dbRules.forEach(resources::remove);
        assertThat(ArchitectureDiagram.render(template)).doesNotContain(">:3306<");
    }
}

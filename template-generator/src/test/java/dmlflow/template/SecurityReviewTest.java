package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.BootstraplessSynthesizer;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.s3.Bucket;

class SecurityReviewTest {
    @Test
    void anUnsuppressedCdkNagFindingFailsTheSynthesis() {
        assertThatThrownBy(() -> Synthesis.run(app -> {
            Stack stack = new Stack(app, "careless", StackProps.builder()
                    .synthesizer(new BootstraplessSynthesizer()).build());
            new Bucket(stack, "Open");
            return stack;
        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AwsSolutions-S1")
                .hasMessageContaining("AwsSolutions-S10");
    }

    @Test
    void everySuppressionCarriesAReasonAReviewerCanCheck() {
        List<String> suppressions = new ArrayList<>();
        Templates.mlflow().path("Resources").fields().forEachRemaining(resource -> {
            for (JsonNode rule : resource.getValue().path("Metadata").path("cdk_nag").path("rules_to_suppress")) {
                suppressions.add(resource.getKey() + " " + rule.path("id").asText());
                assertThat(rule.path("reason").asText())
                        .as("reason for %s on %s", rule.path("id").asText(), resource.getKey())
                        .hasSizeGreaterThan(40);
            }
        });
        assertThat(suppressions).isNotEmpty();
    }

    @Test
    void wildcardSuppressionsNameTheExactPattern() {
        Templates.mlflow().path("Resources").fields().forEachRemaining(resource -> {
            for (JsonNode rule : resource.getValue().path("Metadata").path("cdk_nag").path("rules_to_suppress")) {
                if (rule.path("id").asText().equals("AwsSolutions-IAM5")) {
                    assertThat(rule.path("applies_to").size())
                            .as("IAM5 on %s must name the wildcard it accepts", resource.getKey())
                            .isPositive();
                }
            }
        });
    }
}

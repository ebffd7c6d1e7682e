package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import static dmlflow.template.Templates.mlflow;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The console form: every parameter explained, constrained, grouped; defaults that deploy. */
class ParametersTest {
    @Test
    void everyParameterHasADescriptionAConstraintAndAnExplanationOfIt() {
        mlflow().path("Parameters").fields().forEachRemaining(entry -> {
            JsonNode parameter = entry.getValue();
            assertThat(parameter.path("Description").asText()).as(entry.getKey()).hasSizeGreaterThan(20);
            boolean constrained = parameter.has("AllowedValues") || parameter.has("AllowedPattern")
                    || (parameter.has("MinValue") && parameter.has("MaxValue"));
            assertThat(constrained).as("%s has a constraint", entry.getKey()).isTrue();
            assertThat(parameter.path("ConstraintDescription").asText()).as(entry.getKey()).startsWith("must be");
        });
    }

    @Test
    void everyParameterIsInExactlyOneConsoleGroupWithALabel() {
        JsonNode ui = mlflow().path("Metadata").path("AWS::CloudFormation::Interface");
        List<String> grouped = new ArrayList<>();
        ui.path("ParameterGroups").forEach(g -> g.path("Parameters").forEach(p -> grouped.add(p.asText())));
        List<String> declared = new ArrayList<>();
        mlflow().path("Parameters").fieldNames().forEachRemaining(declared::add);
        assertThat(grouped).containsExactlyInAnyOrderElementsOf(declared).doesNotHaveDuplicates();
        declared.forEach(id -> assertThat(ui.path("ParameterLabels").path(id).path("default").asText()).as(id).isNotBlank());
    }

    @Test
    void everyDefaultSatisfiesItsOwnConstraint() {
        mlflow().path("Parameters").fields().forEachRemaining(entry -> {
            JsonNode parameter = entry.getValue();
            if (!parameter.has("Default")) {
                return;
            }
            assertThat(violation(parameter, parameter.get("Default").asText())).as(entry.getKey()).isNull();
        });
    }

    @Test
    void onlyTheCodeLocationHasNoDefault() {
        List<String> required = new ArrayList<>();
        mlflow().path("Parameters").fields().forEachRemaining(e -> {
            if (!e.getValue().has("Default")) {
                required.add(e.getKey());
            }
        });
        assertThat(required).containsExactlyInAnyOrder("CustomResourcesCodeBucket", "CustomResourcesCodeKey");
    }

    @ParameterizedTest(name = "{0}={1} is refused")
    @CsvSource(delimiter = '|', value = {
            "VpcCidr|10.0.0.0/8",
            "VpcCidr|10.0.0.0/24",
            "VpcCidr|10.0.0/16",
            "VpcCidr|256.0.0.0/16",
            "AllowedCidr|203.0.113.7",
            "AllowedCidr|203.0.113.0/33",
            "CertificateArn|arn:aws:iam::123456789012:server-certificate/x",
            "DomainName|https://mlflow.example.com",
            "DomainName|mlflow",
            "MlflowImage|ghcr.io/mlflow/mlflow",
            "MlflowImage|ghcr.io/mlflow/mlflow:v3.17.0 --rm",
            "DatabaseEngineVersion|3.07.1",
            "DatabaseEngineVersion|8.0.mysql_aurora.3.10.3",
            "AuthMode|ldap",
            "TaskCpu|256",
            "IdleTimeoutSeconds|4001",
            "HealthCheckTimeoutSeconds|900",
            "DatabaseMinCapacity|-1",
            "CustomResourcesCodeKey|custom-resources.zip",
            "CustomResourcesCodeBucket|My_Bucket",
    })
    void badValuesBreakAConstraint(String parameter, String value) {
        assertThat(violation(mlflow().path("Parameters").path(parameter), value)).isNotNull();
    }

    @ParameterizedTest(name = "{0}={1} is accepted")
    @CsvSource(delimiter = '|', value = {
            "VpcCidr|172.20.0.0/20",
            "AllowedCidr|203.0.113.0/24",
            "CertificateArn|arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc",
            "DomainName|mlflow.example.co.uk",
            "MlflowImage|123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow:3.17.0-custom",
            "DatabaseEngineVersion|3.12.0",
            "CustomResourcesCodeKey|dmlflow/custom-resources-0123abcd.jar",
    })
    void goodValuesPass(String parameter, String value) {
        assertThat(violation(mlflow().path("Parameters").path(parameter), value)).isNull();
    }

    @Test
    void fargateRulesAcceptTheDefaultSizeAndNameTheAllowedMemory() {
        JsonNode rules = mlflow().path("Rules");
        assertThat(rules.fieldNames()).toIterable().filteredOn(name -> name.startsWith("TaskMemoryFitsCpu"))
                .hasSize(FargateSizes.MEMORY_BY_CPU.size());
        String cpu = mlflow().path("Parameters").path("TaskCpu").path("Default").asText();
        String memory = mlflow().path("Parameters").path("TaskMemory").path("Default").asText();
        JsonNode rule = rules.path("TaskMemoryFitsCpu" + cpu);
        JsonNode allowed = rule.path("Assertions").get(0).path("Assert").path("Fn::Contains").get(0);
        List<String> values = new ArrayList<>();
        allowed.forEach(v -> values.add(v.asText()));
        assertThat(values).contains(memory).containsExactlyElementsOf(
                FargateSizes.MEMORY_BY_CPU.get(Integer.parseInt(cpu)).stream().map(String::valueOf).toList());
        assertThat(rule.path("Assertions").get(0).path("AssertDescription").asText()).contains("TaskMemory must be one of");
    }

    @Test
    void everyOutputIsDescribedAndNoneCarriesASecret() {
        JsonNode outputs = mlflow().path("Outputs");
        assertThat(outputs.fieldNames()).toIterable().contains("TrackingUri", "ArtifactBucket", "AdminSecretArn",
                "DatabaseEndpoint", "LogGroup", "ClusterName", "ServiceName");
        outputs.fields().forEachRemaining(e -> {
            assertThat(e.getValue().path("Description").asText()).as(e.getKey()).isNotBlank();
            assertThat(e.getValue().toString()).as(e.getKey()).doesNotContain("SecretString", "password\"");
        });
    }

    /** What CloudFormation would say of this value, or null when it passes. */
    private static String violation(JsonNode parameter, String value) {
        if (parameter.has("AllowedValues")) {
            List<String> allowed = new ArrayList<>();
            parameter.get("AllowedValues").forEach(v -> allowed.add(v.asText()));
            if (!allowed.contains(value)) {
                return "not one of " + allowed;
            }
        }
        if (parameter.has("AllowedPattern") && !Pattern.compile(parameter.get("AllowedPattern").asText()).matcher(value).matches()) {
            return "does not match " + parameter.get("AllowedPattern").asText();
        }
        if (parameter.has("MinValue") || parameter.has("MaxValue")) {
            double number;
            try {
                number = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                return "not a number";
            }
            if (number < parameter.path("MinValue").asDouble(Double.NEGATIVE_INFINITY)
                    || number > parameter.path("MaxValue").asDouble(Double.POSITIVE_INFINITY)) {
                return "out of range";
            }
        }
        return null;
    }

    @Test
    void theDefaultImageIsAPinnedFullMlflowThreeRelease() {
        String image = mlflow().path("Parameters").path("MlflowImage").path("Default").asText();
        assertThat(image).matches("ghcr\\.io/mlflow/mlflow:v3\\.\\d+\\.\\d+-full");
    }

    /** Basic auth needs Flask-WTF, which MLflow's -full images lacked from 3.9 until mlflow PR #23892. */
    @Test
    void theImageDescriptionSaysWhichTagsWorkWithBasicAuth() {
        assertThat(mlflow().path("Parameters").path("MlflowImage").path("Description").asText())
                .contains("Flask-WTF", "#23892", "PyMySQL", "boto3");
    }
}

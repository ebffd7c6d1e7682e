package dmlflow.template.delivery;

import dmlflow.template.Synthesis;
import dmlflow.template.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pipeline: source → build → change set → (approval) → execute, wired to the committed buildspec. */
class PipelineTest {
    private static JsonNode pipeline() {
        return Templates.synthesis().template(Synthesis.PIPELINE_STACK);
    }

    private static JsonNode stages() {
        return pipeline().path("Resources").path("Pipeline").path("Properties").path("Stages");
    }

    @Test
    void itIsAVersionTwoPipelineThatPlansInTheBuildThenExecutesAfterTheApproval() {
        assertThat(pipeline().path("Resources").path("Pipeline").path("Properties").path("PipelineType").asText()).isEqualTo("V2");
        List<String> names = new ArrayList<>();
        stages().forEach(stage -> names.add(stage.path("Name").asText()));
        assertThat(names).containsExactly("Source", "Build", "Deploy");
        assertThat(stages().get(0).path("Actions").get(0).path("ActionTypeId").path("Provider").asText())
                .isEqualTo("CodeStarSourceConnection");
        JsonNode withApproval = stages().get(2).path("Actions").path("Fn::If");
        assertThat(withApproval.get(0).asText()).isEqualTo("ApprovalRequired");
        assertThat(withApproval.get(1).findValuesAsText("Name")).containsSubsequence("Approve", "ExecuteChangeSet");
        assertThat(withApproval.get(2).findValuesAsText("Name")).doesNotContain("Approve");
        JsonNode execute = withApproval.get(2).get(0);
        assertThat(execute.path("ActionTypeId").path("Provider").asText()).isEqualTo("CodeBuild");
        assertThat(execute.path("Configuration").path("EnvironmentVariables").asText())
                .contains("\"name\":\"" + PipelineStack.STEP_VARIABLE + "\",\"value\":\"execute\"");
        assertThat(execute.path("InputArtifacts").get(0).path("Name").asText()).as("the build's record and jar")
                .isEqualTo("Build");
    }

    /**
     * No CloudFormation action: CodePipeline's sends TemplatePath's file as a template body, at
     * most 51,200 bytes (awsdocs/aws-codepipeline-user-guide PRs 21 and 40), and fills what the
     * configuration leaves out with the template's defaults. 'dmlflow package' makes the change set
     * from an S3 URL, which CloudFormation takes up to 1 MB (CloudFormation quotas, "Template body
     * size in an Amazon S3 object"): the template must stay under that.
     */
    @Test
    void theChangeSetIsMadeFromAnS3UrlByTheBuildspecsTwoSteps() throws Exception {
        String buildspec = Files.readString(Templates.repositoryRoot().resolve("buildspec.yml"));
        assertThat(pipeline().path("Resources").path("Pipeline").toString()).doesNotContain("TemplatePath",
                "\"Provider\":\"CloudFormation\"");
        assertThat(buildspec).contains("dmlflow-deployer.jar package", "--role-arn \"$DMLFLOW_DEPLOY_ROLE_ARN\"",
                "--output " + PipelineStack.CHANGE_SET_RECORD, "dmlflow-deployer.jar execute --change-set-file "
                        + PipelineStack.CHANGE_SET_RECORD, PipelineStack.STEP_VARIABLE, "java: corretto17",
                "- deployer/target/dmlflow-deployer.jar", "- " + PipelineStack.CHANGE_SET_RECORD, "- buildspec.yml")
                .as("the tests ran in CI; the build needs no privileges").doesNotContain("bash .ci/run");
        assertThat(Files.size(Templates.repositoryRoot().resolve("templates/mlflow.yaml")))
                .as("under the 1 MB CloudFormation takes from S3, with room").isLessThan(800_000);
        assertThat(Templates.repositoryRoot().resolve("pipeline/mlflow-parameters.json")).exists();
    }

    @Test
    void onlyTheBuildHandsCloudFormationTheDeployRoleAndTheDeployRolePassesOnlyTheStacksOwnRoles() {
        String pipelineRole = pipeline().path("Resources").path("PipelineRoleDefaultPolicy").toString();
        assertThat(pipelineRole).doesNotContain("iam:PassRole", "cloudformation:");
        for (JsonNode statement : policy("BuildRoleDefaultPolicy")) {
            if (statement.path("Action").toString().contains("iam:PassRole")) {
                assertThat(Templates.references(statement.path("Resource"))).containsExactly("DeployRole");
                assertThat(statement.path("Condition").toString()).contains("cloudformation.amazonaws.com");
            }
        }
        List<JsonNode> passes = new ArrayList<>();
        for (JsonNode statement : policy("DeployRoleDefaultPolicy")) {
            assertThat(statement.path("Action").toString()).doesNotContain("\"iam:*\"", "\"*\"", "iam:CreateUser",
                    "iam:AttachRolePolicy", "iam:CreatePolicy");
            if (statement.path("Action").toString().contains("iam:PassRole")) {
                passes.add(statement);
            }
        }
        assertThat(passes).hasSize(2);
        String stackRoles = passes.get(0).toString();
        assertThat(stackRoles).as("roles named after the MLflow stack, to the services it runs")
                .contains("MlflowStackName", "-*", "iam:PassedToService").doesNotContain("ResourceTag");
        assertThat(passes.get(1).path("Resource").toString()).contains("AWSServiceRoleForApplicationAutoScaling_ECSService");
        // Every role of the MLflow stack has a generated name (so it starts with the stack's name) and
        // goes only to a service the condition names.
        for (Map.Entry<String, JsonNode> role : Templates.ofType("AWS::IAM::Role")) {
            assertThat(role.getValue().path("Properties").has("RoleName")).as(role.getKey()).isFalse();
            for (String service : role.getValue().path("Properties").path("AssumeRolePolicyDocument")
                    .findValuesAsText("Service")) {
                assertThat(PipelineStack.PASSED_TO).as("%s is assumed by %s", role.getKey(), service).contains(service);
            }
        }
        // CloudFormation keeps acting on the MLflow stack with the role a change set named: it outlives the pipeline.
        assertThat(pipeline().path("Resources").path("DeployRole").path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(pipeline().path("Resources").path("DeployRoleDefaultPolicy").path("DeletionPolicy").asText())
                .isEqualTo("Retain");
    }

    private static JsonNode policy(String id) {
        return pipeline().path("Resources").path(id).path("Properties").path("PolicyDocument").path("Statement");
    }

    /**
     * What CloudFormation calls to delete each resource type, from the types' registry schemas
     * ({@code handlers.delete.permissions} in the aws-cloudformation resource-provider schemas, as
     * {@code aws cloudformation describe-type} shows them); a custom resource is deleted by invoking
     * its function. A type the stack gains without an entry here fails the test until it has one.
     */
    static final Map<String, List<String>> DELETE_ACTIONS = new TreeMap<>(Map.ofEntries(
            Map.entry("AWS::ApplicationAutoScaling::ScalableTarget", List.of(
                    "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:DescribeScalableTargets")),
            Map.entry("AWS::ApplicationAutoScaling::ScalingPolicy", List.of(
                    "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DescribeScalingPolicies")),
            Map.entry("AWS::Logs::MetricFilter", List.of("logs:DeleteMetricFilter", "logs:DescribeMetricFilters")),
            Map.entry("AWS::Scheduler::Schedule", List.of("scheduler:DeleteSchedule", "scheduler:GetSchedule")),
            // Retained (DeletionPolicy): CloudFormation only reads it on the way out.
            Map.entry("AWS::Cognito::UserPool", List.of("cognito-idp:DescribeUserPool")),
            Map.entry("AWS::Cognito::UserPoolDomain", List.of("cognito-idp:DeleteUserPoolDomain",
                    "cognito-idp:DescribeUserPoolDomain")),
            Map.entry("AWS::Cognito::UserPoolClient", List.of("cognito-idp:DeleteUserPoolClient",
                    "cognito-idp:DescribeUserPoolClient")),
            Map.entry("AWS::EC2::EIP", List.of("ec2:ReleaseAddress", "ec2:DescribeAddresses")),
            Map.entry("AWS::EC2::InternetGateway", List.of("ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways")),
            Map.entry("AWS::EC2::NatGateway", List.of("ec2:DeleteNatGateway", "ec2:DescribeNatGateways")),
            Map.entry("AWS::EC2::Route", List.of("ec2:DeleteRoute", "ec2:DescribeRouteTables")),
            Map.entry("AWS::EC2::RouteTable", List.of("ec2:DeleteRouteTable", "ec2:DescribeRouteTables")),
            Map.entry("AWS::EC2::SecurityGroup", List.of("ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups")),
            Map.entry("AWS::EC2::SecurityGroupEgress", List.of("ec2:RevokeSecurityGroupEgress")),
            Map.entry("AWS::EC2::SecurityGroupIngress", List.of("ec2:RevokeSecurityGroupIngress")),
            Map.entry("AWS::EC2::Subnet", List.of("ec2:DeleteSubnet", "ec2:DescribeSubnets")),
            Map.entry("AWS::EC2::SubnetRouteTableAssociation", List.of("ec2:DisassociateRouteTable")),
            Map.entry("AWS::EC2::VPC", List.of("ec2:DeleteVpc", "ec2:DescribeVpcs")),
            Map.entry("AWS::EC2::VPCEndpoint", List.of("ec2:DeleteVpcEndpoints", "ec2:DescribeVpcEndpoints")),
            Map.entry("AWS::EC2::VPCGatewayAttachment", List.of("ec2:DetachInternetGateway")),
            Map.entry("AWS::CloudWatch::Alarm", List.of("cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms")),
            Map.entry("AWS::EC2::Instance", List.of("ec2:TerminateInstances", "ec2:DescribeInstances")),
            Map.entry("AWS::EC2::LaunchTemplate", List.of("ec2:DeleteLaunchTemplate", "ec2:DescribeLaunchTemplates")),
            Map.entry("AWS::ECS::Cluster", List.of("ecs:DeleteCluster", "ecs:DescribeClusters")),
            Map.entry("AWS::ECS::ClusterCapacityProviderAssociations", List.of("ecs:PutClusterCapacityProviders",
                    "ecs:DescribeClusters")),
            Map.entry("AWS::ECS::Service", List.of("ecs:DeleteService", "ecs:DescribeServices", "ecs:UpdateService")),
            Map.entry("AWS::ECS::TaskDefinition", List.of("ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition")),
            Map.entry("AWS::CertificateManager::Certificate", List.of("acm:DeleteCertificate", "acm:DescribeCertificate")),
            Map.entry("AWS::CloudWatch::Dashboard", List.of("cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard")),
            Map.entry("AWS::Events::Rule", List.of("events:DescribeRule", "events:DeleteRule", "events:ListTargetsByRule",
                    "events:RemoveTargets")),
            Map.entry("AWS::KMS::Key", List.of("kms:DescribeKey", "kms:ScheduleKeyDeletion")),
            Map.entry("AWS::Route53::RecordSet", List.of("route53:ChangeResourceRecordSets", "route53:GetChange",
                    "route53:ListResourceRecordSets")),
            Map.entry("AWS::SNS::Subscription", List.of("sns:Unsubscribe", "sns:GetSubscriptionAttributes")),
            Map.entry("AWS::SNS::Topic", List.of("sns:DeleteTopic", "sns:GetTopicAttributes")),
            Map.entry("AWS::SNS::TopicPolicy", List.of("sns:SetTopicAttributes")),
            Map.entry("AWS::ElasticLoadBalancingV2::Listener", List.of("elasticloadbalancing:DeleteListener")),
            Map.entry("AWS::ElasticLoadBalancingV2::ListenerRule", List.of("elasticloadbalancing:DeleteRule")),
            Map.entry("AWS::ElasticLoadBalancingV2::LoadBalancer", List.of("elasticloadbalancing:DeleteLoadBalancer")),
            Map.entry("AWS::ElasticLoadBalancingV2::TargetGroup", List.of("elasticloadbalancing:DeleteTargetGroup")),
            Map.entry("AWS::IAM::Policy", List.of("iam:DeleteRolePolicy", "iam:GetRolePolicy")),
            Map.entry("AWS::IAM::Role", List.of("iam:DeleteRole", "iam:GetRole", "iam:ListRolePolicies",
                    "iam:DeleteRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy",
                    "iam:ListInstanceProfilesForRole")),
            Map.entry("AWS::Lambda::Function", List.of("lambda:DeleteFunction", "lambda:GetFunction",
                    "ec2:DescribeNetworkInterfaces")),
            Map.entry("AWS::Logs::LogGroup", List.of("logs:DeleteLogGroup", "logs:DescribeLogGroups")),
            Map.entry("AWS::RDS::DBCluster", List.of("rds:DeleteDBCluster", "rds:DescribeDBClusters",
                    "rds:CreateDBClusterSnapshot")),
            Map.entry("AWS::RDS::DBClusterParameterGroup", List.of("rds:DeleteDBClusterParameterGroup")),
            Map.entry("AWS::RDS::DBInstance", List.of("rds:DeleteDBInstance", "rds:DescribeDBInstances")),
            Map.entry("AWS::RDS::DBSubnetGroup", List.of("rds:DeleteDBSubnetGroup")),
            Map.entry("AWS::S3::Bucket", List.of("s3:DeleteBucket", "s3:ListBucket")),
            Map.entry("AWS::S3::BucketPolicy", List.of("s3:DeleteBucketPolicy", "s3:GetBucketPolicy")),
            Map.entry("AWS::SecretsManager::Secret", List.of("secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret")),
            Map.entry("AWS::SecretsManager::SecretTargetAttachment", List.of("secretsmanager:PutSecretValue",
                    "secretsmanager:GetSecretValue")),
            Map.entry("Custom::*", List.of("lambda:InvokeFunction"))));

    /**
     * What CloudFormation calls to update each resource type whose service the deploy role does
     * not hold whole (for ec2:*, ecs:*, … any action matches), from the types' registry schemas
     * ({@code handlers.update.permissions}), narrowed to what the stack's properties use (no
     * managed policies or permission boundaries on its roles). A type the stack gains without an
     * entry here fails the test until it has one.
     */
    static final Map<String, List<String>> UPDATE_ACTIONS = new TreeMap<>(Map.ofEntries(
            Map.entry("AWS::Cognito::UserPool", List.of("cognito-idp:UpdateUserPool", "cognito-idp:SetUserPoolMfaConfig",
                    "cognito-idp:DescribeUserPool", "cognito-idp:TagResource", "cognito-idp:UntagResource")),
            Map.entry("AWS::Cognito::UserPoolDomain", List.of("cognito-idp:UpdateUserPoolDomain",
                    "cognito-idp:DescribeUserPoolDomain")),
            Map.entry("AWS::Cognito::UserPoolClient", List.of("cognito-idp:UpdateUserPoolClient",
                    "cognito-idp:DescribeUserPoolClient")),
            Map.entry("AWS::IAM::Role", List.of("iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
                    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:GetRole")),
            Map.entry("AWS::IAM::Policy", List.of("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy")),
            Map.entry("AWS::S3::Bucket", List.of("s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
                    "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls",
                    "s3:PutBucketTagging", "s3:GetBucketTagging", "s3:GetBucketLocation")),
            Map.entry("AWS::S3::BucketPolicy", List.of("s3:PutBucketPolicy", "s3:GetBucketPolicy")),
            Map.entry("AWS::CloudWatch::Alarm", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
                    "cloudwatch:TagResource", "cloudwatch:UntagResource")),
            Map.entry("AWS::CloudWatch::Dashboard", List.of("cloudwatch:PutDashboard", "cloudwatch:GetDashboard")),
            Map.entry("AWS::KMS::Key", List.of("kms:DescribeKey", "kms:UpdateKeyDescription", "kms:PutKeyPolicy",
                    "kms:GetKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:GetKeyRotationStatus",
                    "kms:EnableKey", "kms:DisableKey", "kms:TagResource", "kms:UntagResource", "kms:ListResourceTags")),
            Map.entry("AWS::CertificateManager::Certificate", List.of("acm:AddTagsToCertificate",
                    "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions", "acm:DescribeCertificate")),
            Map.entry("AWS::Route53::RecordSet", List.of("route53:ChangeResourceRecordSets", "route53:GetChange",
                    "route53:ListResourceRecordSets")),
            Map.entry("AWS::Scheduler::Schedule", List.of("scheduler:UpdateSchedule", "scheduler:GetSchedule"))));
    private static final Set<String> WHOLE_SERVICES = Set.of("ec2", "elasticloadbalancing", "ecs", "rds", "secretsmanager",
            "logs", "lambda", "application-autoscaling", "sns", "events");

    @Test
    void theDeployRoleCanUpdateEveryResourceTypeTheStackHolds() {
        List<String> allowed = deployRoleActions();
        Set<String> types = new TreeSet<>();
        Templates.mlflow().path("Resources").forEach(r -> types.add(r.path("Type").asText()));
        for (String type : types) {
            if (type.startsWith("Custom::")) {
                continue;
            }
            String service = type.split("::")[1].toLowerCase(java.util.Locale.ROOT);
            String prefix = switch (service) {
                case "applicationautoscaling" -> "application-autoscaling";
                case "elasticloadbalancingv2" -> "elasticloadbalancing";
                case "certificatemanager" -> "acm";
                case "cloudwatch", "kms", "iam", "s3", "route53", "scheduler" -> service;
                default -> service;
            };
            if (WHOLE_SERVICES.contains(prefix)) {
                assertThat(allowed).as("the deploy role holds %s:*", prefix).contains(prefix + ":*");
                continue;
            }
            assertThat(UPDATE_ACTIONS).as("update permissions of %s (add them from its schema)", type).containsKey(type);
            for (String action : UPDATE_ACTIONS.get(type)) {
                assertThat(allowed).as("the deploy role may %s (to update %s)", action, type)
                        .anyMatch(pattern -> iamMatches(pattern, action));
            }
        }
    }

    private static List<String> deployRoleActions() {
        List<String> allowed = new ArrayList<>();
        for (JsonNode statement : policy("DeployRoleDefaultPolicy")) {
            JsonNode actions = statement.path("Action");
            if (actions.isArray()) {
                actions.forEach(a -> allowed.add(a.asText()));
            } else {
                allowed.add(actions.asText());
            }
        }
        return allowed;
    }

    @Test
    void theDeployRoleCanDeleteEveryResourceTypeTheStackHolds() {
        List<String> allowed = new ArrayList<>();
        for (JsonNode statement : pipeline().path("Resources").path("DeployRoleDefaultPolicy").path("Properties")
                .path("PolicyDocument").path("Statement")) {
            JsonNode actions = statement.path("Action");
            if (actions.isArray()) {
                actions.forEach(a -> allowed.add(a.asText()));
            } else {
                allowed.add(actions.asText());
            }
        }
        Set<String> types = new TreeSet<>();
        Templates.mlflow().path("Resources").forEach(r -> types.add(r.path("Type").asText().startsWith("Custom::")
                ? "Custom::*" : r.path("Type").asText()));
        for (String type : types) {
            assertThat(DELETE_ACTIONS).as("delete permissions of %s (add them from its schema)", type).containsKey(type);
            for (String action : DELETE_ACTIONS.get(type)) {
                assertThat(allowed).as("the deploy role may %s (to delete %s)", action, type)
                        .anyMatch(pattern -> iamMatches(pattern, action));
            }
        }
    }

    /** IAM action patterns: '*' and '?' wildcards, case-insensitive (IAM User Guide, "IAM JSON policy elements: Action"). */
    private static boolean iamMatches(String pattern, String action) {
        String regex = Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q");
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE).matcher(action).matches();
    }

    @Test
    void theSourceAndBuildMayReadAndWriteArtifactsTheWayTheirServicesDo() {
        String pipelineRole = pipeline().path("Resources").path("PipelineRoleDefaultPolicy").toString();
        assertThat(pipelineRole).contains("s3:PutObjectAcl", "s3:GetObjectVersion");
        String buildRole = pipeline().path("Resources").path("BuildRoleDefaultPolicy").toString();
        assertThat(buildRole).contains("s3:GetObjectVersion", "s3:GetBucketAcl", "s3:GetBucketLocation");
    }

    /** The build's own Maven is the one its checksum names (Maven Wrapper's distributionSha256Sum). */
    @Test
    void theMavenWrapperPinsTheDistributionItDownloads() throws Exception {
        java.util.Properties wrapper = new java.util.Properties();
        try (var in = Files.newInputStream(Templates.repositoryRoot().resolve(".mvn/wrapper/maven-wrapper.properties"))) {
            wrapper.load(in);
        }
        assertThat(wrapper.getProperty("distributionUrl")).startsWith("https://repo.maven.apache.org/").endsWith("-bin.zip");
        assertThat(wrapper.getProperty("distributionSha256Sum")).matches("[0-9a-f]{64}");
    }

    /** A CODE_ZIP source archive may lose the executable bit: nothing the build runs may need it. */
    @Test
    void theBuildRunsNoScriptByItsExecutableBit() throws Exception {
        Pattern direct = Pattern.compile("(^|^-\\s+|[;&|(]\\s*)\\./[A-Za-z0-9_.-]+");
        for (String file : List.of("buildspec.yml", ".ci/run")) {
            for (String line : Files.readAllLines(Templates.repositoryRoot().resolve(file))) {
                String code = line.strip();
                if (code.startsWith("#")) {
                    continue;
                }
                assertThat(direct.matcher(code).find()).as("%s runs a script through its executable bit: %s", file, code)
                        .isFalse();
            }
        }
    }

    @Test
    void pipelineArtifactsArePrivate() {
        JsonNode bucket = pipeline().path("Resources").path("Artifacts").path("Properties");
        assertThat(bucket.path("PublicAccessBlockConfiguration").path("BlockPublicPolicy").asBoolean()).isTrue();
        assertThat(pipeline().path("Resources").path("ArtifactsPolicy").toString()).contains("aws:SecureTransport");
    }
}

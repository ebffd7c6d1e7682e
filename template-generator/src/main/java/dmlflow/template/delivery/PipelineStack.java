package dmlflow.template.delivery;

import dmlflow.template.cdk.Json;
import dmlflow.template.cdk.PrivateBuckets;
import dmlflow.template.cdk.ReadableIdsStack;
import dmlflow.template.cdk.Nag;
import java.util.List;
import java.util.Map;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnConditionProps;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.CfnParameterProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.codebuild.CfnProject;
import software.amazon.awscdk.services.codepipeline.CfnPipeline;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.LifecycleRule;

/**
 * A CodePipeline (V2) that deploys dmlflow from a Git repository: source through a CodeStar
 * connection; a CodeBuild action running the repository's buildspec.yml, which builds the jars and
 * runs 'dmlflow package' (the change set ./deploy.sh would make, through an S3 template URL, kept
 * for later); optionally a person's approval; a CodeBuild action running 'dmlflow execute' on it.
 *
 * <p>Not CodePipeline's CloudFormation action: it sends TemplatePath's file as a template body,
 * 51,200 bytes at most (awsdocs/aws-codepipeline-user-guide PRs 21 and 40), and fills parameters
 * its configuration leaves out with the template's defaults, which replaces a restored stack's
 * data (PackageCommand says more).
 */
public final class PipelineStack extends ReadableIdsStack {
    public static final String DESCRIPTION = "dmlflow pipeline: deploys the MLflow stack from a Git repository through"
            + " CodeBuild and a CloudFormation change set";
    /** Where 'dmlflow package' records the change set for 'dmlflow execute' (ExecuteCommand.RECORD). */
    static final String CHANGE_SET_RECORD = "build/change-set.json";
    /** The buildspec's switch between the two CodeBuild actions. */
    static final String STEP_VARIABLE = "DMLFLOW_PIPELINE_STEP";
    /** Where the MLflow stack's roles go: its tasks, its functions, its purge schedule. */
    static final List<String> PASSED_TO = List.of("ecs-tasks.amazonaws.com", "lambda.amazonaws.com",
            "scheduler.amazonaws.com");

    public PipelineStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
        getTemplateOptions().setTemplateFormatVersion("2010-09-09");
        CfnParameter connection = parameter("ConnectionArn", null,
                "CodeStar (CodeConnections) connection to the Git provider, made and approved in the console first.",
                "^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[A-Za-z0-9-]+$",
                "must be a CodeStar connection ARN");
        CfnParameter repository = parameter("FullRepositoryId", null, "The repository, as owner/name.",
                "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "must be owner/name");
        CfnParameter branch = parameter("BranchName", "main", "Branch whose pushes deploy.",
                "^[A-Za-z0-9._/-]{1,255}$", "must be a branch name");
        // Short: the stack's generated role names start with it, and the deploy role may pass only those.
        CfnParameter stackName = parameter("MlflowStackName", "mlflow", "Name of the MLflow stack the pipeline deploys.",
                "^[A-Za-z][A-Za-z0-9-]{0,31}$", "must be a stack name of at most 32 characters: a letter, then letters,"
                        + " digits and hyphens");
        CfnParameter parametersFile = parameter("ParametersFile", "pipeline/mlflow-parameters.json",
                "Repository path of the MLflow stack's parameters, in template-configuration format"
                        + " ({\"Parameters\": {…}, \"Tags\": {…}}).",
                "^[A-Za-z0-9._/-]+\\.json$", "must be a path to a .json file in the repository");
        CfnParameter approval = new CfnParameter(this, "RequireApproval", CfnParameterProps.builder()
                .type("String").defaultValue("true").allowedValues(List.of("true", "false"))
                .description("true: a person approves each change set before it runs.")
                .constraintDescription("must be true or false").build());
        CfnCondition approve = new CfnCondition(this, "ApprovalRequired", CfnConditionProps.builder()
                .expression(Fn.conditionEquals(approval.getValueAsString(), "true")).build());
        getTemplateOptions().setMetadata(Map.of("AWS::CloudFormation::Interface", Json.object(
                "ParameterGroups", List.of(
                        Json.object("Label", Json.object("default", "Source"),
                                "Parameters", List.of("ConnectionArn", "FullRepositoryId", "BranchName")),
                        Json.object("Label", Json.object("default", "Deployment"),
                                "Parameters", List.of("MlflowStackName", "ParametersFile", "RequireApproval"))))));

        Bucket artifacts = new Bucket(this, "Artifacts", PrivateBuckets.props(LifecycleRule.builder()
                .id("ExpireOldPipelineArtifacts").expiration(Duration.days(90))
                .noncurrentVersionExpiration(Duration.days(7)).build()));
        Nag.suppress(artifacts, "AwsSolutions-S1",
                "Holds only pipeline artifacts (source zips, build outputs); CloudTrail records access, and server"
                        + " access logs would need a second bucket.");
        LogGroup buildLogs = new LogGroup(this, "BuildLogs", LogGroupProps.builder()
                .retention(RetentionDays.ONE_MONTH).removalPolicy(RemovalPolicy.DESTROY).build());

        String mlflowStack = formatArn(software.amazon.awscdk.ArnComponents.builder().service("cloudformation")
                .resource("stack").resourceName(stackName.getValueAsString() + "/*").build());
        String assetObjects = "arn:" + Aws.PARTITION + ":s3:::dmlflow-bootstrap-assets*";

        Role buildRole = role("BuildRole", "codebuild.amazonaws.com",
                "dmlflow pipeline: the build (jars, uploads, the change set) and the execute step");
        allow(buildRole, List.of("logs:CreateLogStream", "logs:PutLogEvents"), List.of(buildLogs.getLogGroupArn()));
        // CodeBuild reads the source artifact by version and checks the bucket's ACL and region
        // (AWS CodeBuild User Guide, "Allow CodeBuild to interact with ... S3").
        allow(buildRole, List.of("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), List.of(artifacts.arnForObjects("*")));
        allow(buildRole, List.of("s3:GetBucketAcl", "s3:GetBucketLocation"), List.of(artifacts.getBucketArn()));
        allow(buildRole, List.of("s3:GetObject", "s3:PutObject", "s3:ListBucket"), List.of(assetObjects, assetObjects + "/*"));
        allow(buildRole, List.of("cloudformation:DescribeStacks"), List.of(formatArn(software.amazon.awscdk.ArnComponents
                .builder().service("cloudformation").resource("stack").resourceName("dmlflow-bootstrap/*").build())));
        allow(buildRole, List.of("sts:GetCallerIdentity"), List.of("*"));
        Nag.allowWildcards(buildRole, "The build writes pipeline artifacts and the deployer's content-addressed"
                + " uploads, whose keys are hashes; the assets bucket's name is generated by its bootstrap stack;"
                + " GetCallerIdentity takes no resource.", List.of("Resource::<Artifacts.Arn>/*",
                "Resource::arn:<AWS::Partition>:s3:::dmlflow-bootstrap-assets*",
                "Resource::arn:<AWS::Partition>:s3:::dmlflow-bootstrap-assets*/*",
                "Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/dmlflow-bootstrap/*",
                "Resource::*"));
        // CloudFormation keeps using this role for every later operation on the stack, rollbacks and
        // deletion included: it must be able to delete every resource type the stack holds.
        Role deployRole = role("DeployRole", "cloudformation.amazonaws.com",
                "dmlflow pipeline: what CloudFormation may do to create and update the MLflow stack");
        allow(deployRole, List.of("ec2:*", "elasticloadbalancing:*", "ecs:*", "rds:*", "secretsmanager:*", "logs:*",
                "lambda:*", "application-autoscaling:*", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource", "s3:CreateBucket", "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:Put*",
                "s3:Get*", "s3:ListBucket", "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole",
                "iam:UpdateRoleDescription", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:DetachRolePolicy", "iam:TagRole", "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy", "iam:CreateServiceLinkedRole",
                // HostedZoneId: the certificate, its validation records and the alias record.
                "acm:RequestCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate", "acm:AddTagsToCertificate",
                "acm:ListTagsForCertificate", "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions",
                "route53:ChangeResourceRecordSets", "route53:GetChange",
                "route53:GetHostedZone", "route53:ListResourceRecordSets",
                // AlarmEmail: the topic, its key, the alarms' rule and the dashboard.
                "sns:*", "events:*", "cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards",
                "kms:CreateKey", "kms:DescribeKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
                "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion", "kms:TagResource",
                "kms:UntagResource", "kms:UpdateKeyDescription", "kms:EnableKey", "kms:DisableKey",
                // PurgeDeletedAfterDays: the daily purge's schedule.
                "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule",
                // SignIn cognito: the user pool (retained, never deleted by the stack), its domain and client.
                "cognito-idp:CreateUserPool", "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool",
                "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:TagResource",
                "cognito-idp:UntagResource", "cognito-idp:ListTagsForResource", "cognito-idp:CreateUserPoolDomain",
                "cognito-idp:DescribeUserPoolDomain", "cognito-idp:UpdateUserPoolDomain", "cognito-idp:DeleteUserPoolDomain",
                "cognito-idp:CreateUserPoolClient", "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient",
                "cognito-idp:DeleteUserPoolClient"),
                List.of("*"));
        // The stack's roles go to the services that act with them, and no other role: their names are
        // generated from the stack's name (none sets RoleName). Not by a tag on the roles: the IAM user
        // guide ("Grant a user permissions to pass a role") says iam:ResourceTag on PassRole "does not
        // have reliable results".
        deployRole.addToPrincipalPolicy(PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("iam:PassRole"))
                .resources(List.of(formatArn(ArnComponents.builder().service("iam").region("").resource("role")
                        .resourceName(stackName.getValueAsString() + "-*").build())))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", PASSED_TO)))
                .build());
        // The service's scalable target names Application Auto Scaling's own service-linked role.
        deployRole.addToPrincipalPolicy(PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("iam:PassRole"))
                .resources(List.of(formatArn(ArnComponents.builder().service("iam").region("").resource("role")
                        .resourceName("aws-service-role/ecs.application-autoscaling.amazonaws.com/"
                                + "AWSServiceRoleForApplicationAutoScaling_ECSService").build())))
                .build());
        Nag.allowWildcards(deployRole, "Role names are generated from the MLflow stack's name; PassRole is limited to"
                + " them, passed to the services the stack runs.",
                List.of("Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/<MlflowStackName>-*"));
        // CloudFormation uses the role a change set names for every later operation on the stack
        // (CreateChangeSet, RoleARN): it must outlive this pipeline's stack, or the MLflow stack could
        // no longer be updated or deleted.
        deployRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
        ((software.amazon.awscdk.CfnResource) deployRole.getNode().findChild("DefaultPolicy").getNode().getDefaultChild())
                .applyRemovalPolicy(RemovalPolicy.RETAIN);
        // With NatInstanceImageId empty, the NAT instance's image is an SSM dynamic reference, which
        // CloudFormation reads with the caller's rights.
        allow(deployRole, List.of("ssm:GetParameters"), List.of(Stack.of(this).formatArn(ArnComponents.builder()
                .service("ssm").resource("parameter").resourceName("aws/service/ami-amazon-linux-latest/*")
                .account("").build())));
        Nag.allowWildcards(deployRole, "AWS's public Amazon Linux image parameters: the NAT instance's"
                + " image is read from one of them when NatInstanceImageId is empty.",
                List.of("Resource::arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/ami-amazon-linux-latest/*"));
        Nag.allowWildcards(deployRole, "CloudFormation creates and updates every resource of the MLflow stack"
                + " with this role; their names are generated, so it is limited by service to what that stack uses"
                + " (no IAM users, no policies outside its roles).", List.of("Resource::*", "Action::ec2:*",
                "Action::elasticloadbalancing:*", "Action::ecs:*", "Action::rds:*", "Action::secretsmanager:*",
                "Action::logs:*", "Action::lambda:*", "Action::application-autoscaling:*", "Action::s3:Put*",
                "Action::s3:Get*", "Action::sns:*", "Action::events:*"));

        // 'dmlflow package' makes the change set CloudFormation runs with the deploy role, reading what
        // ./deploy.sh reads; 'dmlflow execute' runs it and follows the stack's events.
        allow(buildRole, List.of("cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResource", "cloudformation:DescribeStackResources",
                "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:ListChangeSets",
                "cloudformation:DeleteChangeSet", "cloudformation:ExecuteChangeSet"), List.of(mlflowStack));
        buildRole.addToPrincipalPolicy(PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("iam:PassRole")).resources(List.of(deployRole.getRoleArn()))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "cloudformation.amazonaws.com")))
                .build());
        // The NAT instance's newest image when the stack makes it, the running one's otherwise; the
        // hosted zone a certificate is validated in.
        allow(buildRole, List.of("ssm:GetParameter"), List.of(Stack.of(this).formatArn(ArnComponents.builder()
                .service("ssm").resource("parameter").resourceName("aws/service/ami-amazon-linux-latest/*")
                .account("").build())));
        allow(buildRole, List.of("ec2:DescribeInstances"), List.of("*"));
        allow(buildRole, List.of("route53:GetHostedZone", "route53:ListResourceRecordSets"), List.of(formatArn(ArnComponents.builder().service("route53")
                .region("").account("").resource("hostedzone").resourceName("*").build())));
        Nag.allowWildcards(buildRole, "A stack ARN ends in a generated id; the public Amazon Linux image parameters;"
                + " DescribeInstances takes no resource; the hosted zone is the user's parameter.", List.of(
                "Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<MlflowStackName>/*",
                "Resource::arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/ami-amazon-linux-latest/*",
                "Resource::arn:<AWS::Partition>:route53:::hostedzone/*"));

        CfnProject build = CfnProject.Builder.create(this, "Build")
                .description("dmlflow: builds the jars and makes the MLflow stack's change set; a second run executes it")
                .serviceRole(buildRole.getRoleArn())
                .source(CfnProject.SourceProperty.builder().type("CODEPIPELINE").buildSpec("buildspec.yml").build())
                .artifacts(CfnProject.ArtifactsProperty.builder().type("CODEPIPELINE").build())
                .environment(CfnProject.EnvironmentProperty.builder()
                        .type("LINUX_CONTAINER").computeType("BUILD_GENERAL1_MEDIUM")
                        .image("aws/codebuild/standard:7.0")
                        .environmentVariables(List.of(
                                CfnProject.EnvironmentVariableProperty.builder().name("DMLFLOW_PARAMETERS_FILE")
                                        .value(parametersFile.getValueAsString()).build(),
                                CfnProject.EnvironmentVariableProperty.builder().name("DMLFLOW_STACK_NAME")
                                        .value(stackName.getValueAsString()).build(),
                                CfnProject.EnvironmentVariableProperty.builder().name("DMLFLOW_DEPLOY_ROLE_ARN")
                                        .value(deployRole.getRoleArn()).build()))
                        .build())
                .logsConfig(CfnProject.LogsConfigProperty.builder().cloudWatchLogs(CfnProject.CloudWatchLogsConfigProperty
                        .builder().status("ENABLED").groupName(buildLogs.getLogGroupName()).build()).build())
                // A first create with its migration and health wait, followed to its end by 'dmlflow execute'.
                .timeoutInMinutes(120)
                .build();
        // The role's permissions are a separate policy: the project must not run before it exists.
        build.getNode().addDependency(buildRole.getNode().findChild("DefaultPolicy"));
        Nag.suppress(build, "AwsSolutions-CB4",
                "Build artifacts are encrypted with the S3-managed key of a private, TLS-only bucket; a customer"
                        + " managed KMS key would add cost and key policy without protecting anything more here.");

        Role pipelineRole = role("PipelineRole", "codepipeline.amazonaws.com", "dmlflow pipeline: the pipeline itself");
        // A CodeStar-connections source writes its artifact with an ACL (aws-cdk issue 13557).
        allow(pipelineRole, List.of("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
                "s3:GetBucketVersioning", "s3:ListBucket"),
                List.of(artifacts.getBucketArn(), artifacts.arnForObjects("*")));
        allow(pipelineRole, List.of("codestar-connections:UseConnection", "codeconnections:UseConnection"),
                List.of(connection.getValueAsString()));
        allow(pipelineRole, List.of("codebuild:StartBuild", "codebuild:BatchGetBuilds"), List.of(build.getAttrArn()));
        Nag.allowWildcards(pipelineRole, "Pipeline artifacts have generated keys.", List.of("Resource::<Artifacts.Arn>/*"));

        CfnPipeline pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineType("V2")
                .roleArn(pipelineRole.getRoleArn())
                .artifactStore(CfnPipeline.ArtifactStoreProperty.builder().type("S3").location(artifacts.getBucketName()).build())
                .stages(List.of())
                .build();
        // Raw CloudFormation: the Deploy stage's actions sit inside an Fn::If, which typed stage
        // structs cannot hold.
        pipeline.addPropertyOverride("Stages", List.of(
                        stage("Source", List.of(Json.object(
                                "Name", "Source",
                                "ActionTypeId", actionType("Source", "AWS", "CodeStarSourceConnection"),
                                "Configuration", Json.object("ConnectionArn", connection.getValueAsString(),
                                        "FullRepositoryId", repository.getValueAsString(),
                                        "BranchName", branch.getValueAsString(), "OutputArtifactFormat", "CODE_ZIP"),
                                "OutputArtifacts", List.of(Json.object("Name", "Source")),
                                "RunOrder", 1))),
                        stage("Build", List.of(Json.object(
                                "Name", "BuildAndPlan",
                                "ActionTypeId", actionType("Build", "AWS", "CodeBuild"),
                                "Configuration", Json.object("ProjectName", build.getRef()),
                                "InputArtifacts", List.of(Json.object("Name", "Source")),
                                "OutputArtifacts", List.of(Json.object("Name", "Build")),
                                "RunOrder", 1))),
                        stage("Deploy", Fn.conditionIf(approve.getLogicalId(),
                                List.of(approvalAction(stackName), execute(build, 2)),
                                List.of(execute(build, 1))))));
        pipeline.getNode().addDependency(pipelineRole.getNode().findChild("DefaultPolicy"));

        new CfnOutput(this, "PipelineName", CfnOutputProps.builder().description("The pipeline").value(pipeline.getRef()).build());
        new CfnOutput(this, "ArtifactBucket", CfnOutputProps.builder().description("Pipeline artifact bucket")
                .value(artifacts.getBucketName()).build());
        new CfnOutput(this, "BuildProject", CfnOutputProps.builder().description("CodeBuild project running buildspec.yml")
                .value(build.getRef()).build());
    }

    private CfnParameter parameter(String id, String defaultValue, String description, String pattern, String constraint) {
        return new CfnParameter(this, id, CfnParameterProps.builder().type("String").defaultValue(defaultValue)
                .description(description).allowedPattern(pattern).constraintDescription(constraint).build());
    }

    private Role role(String id, String service, String description) {
        return new Role(this, id, RoleProps.builder().assumedBy(new ServicePrincipal(service)).description(description).build());
    }

    private static void allow(Role role, List<String> actions, List<String> resources) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().effect(Effect.ALLOW).actions(actions).resources(resources).build());
    }

    private static Map<String, Object> stage(String name, Object actions) {
        return Json.object("Name", name, "Actions", actions);
    }

    private static Map<String, Object> actionType(String category, String owner, String provider) {
        return Json.object("Category", category, "Owner", owner, "Provider", provider, "Version", "1");
    }

    private static Map<String, Object> approvalAction(CfnParameter stackName) {
        return Json.object(
                "Name", "Approve",
                "ActionTypeId", actionType("Approval", "AWS", "Manual"),
                "Configuration", Json.object("CustomData", Fn.join("", List.of("Review the change set of stack ",
                        stackName.getValueAsString(), " before approving: the BuildAndPlan log lists its changes (a change"
                        + " that would replace data is refused there), and the CloudFormation console shows it."))),
                "RunOrder", 1);
    }

    /** The build project again, told to execute the change set its first run recorded. */
    private static Map<String, Object> execute(CfnProject build, int runOrder) {
        return Json.object(
                "Name", "ExecuteChangeSet",
                "ActionTypeId", actionType("Build", "AWS", "CodeBuild"),
                "Configuration", Json.object("ProjectName", build.getRef(),
                        "EnvironmentVariables", "[{\"name\":\"" + STEP_VARIABLE + "\",\"value\":\"execute\","
                                + "\"type\":\"PLAINTEXT\"}]"),
                "InputArtifacts", List.of(Json.object("Name", "Build")),
                "RunOrder", runOrder);
    }
}

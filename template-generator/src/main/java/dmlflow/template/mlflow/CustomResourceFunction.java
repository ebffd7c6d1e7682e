package dmlflow.template.mlflow;

import dmlflow.template.cdk.Nag;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.CustomResourceProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.logs.CfnLogGroup;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;

/**
 * One Java Lambda function behind a custom resource: its own role (logs only, until granted
 * more), its own log group, code from the jar that the deployer uploaded.
 */
final class CustomResourceFunction extends Construct {
    /** The custom resource waits this much longer than the function may run, so a late answer still lands. */
    static final Duration SERVICE_TIMEOUT_MARGIN = Duration.seconds(60);

    record Code(String bucket, String key, Number logRetentionDays) {
        Code {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(logRetentionDays, "logRetentionDays");
        }
    }

    record Props(String handler, String description, Duration timeout, Code code, Network network) {
        Props {
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(code, "code");
            if (!handler.contains("::")) {
                throw new IllegalArgumentException("handler must be Class::method, not " + handler);
            }
            if (timeout.toSeconds().intValue() > 900) {
                throw new IllegalArgumentException("a Lambda function runs 900 seconds at most");
            }
        }
    }

    private final Role role;
    static final String RUNTIME = "java21";

    private final CfnFunction function;
    private final LogGroup logGroup;
    private final SecurityGroup securityGroup;
    private final Duration timeout;

    CustomResourceFunction(Construct scope, String id, Props props) {
        super(scope, id);
        timeout = props.timeout();
        role = new Role(this, "Role", RoleProps.builder()
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("dmlflow: " + props.description())
                .build());
        logGroup = new LogGroup(this, "Logs", LogGroupProps.builder()
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        ((CfnLogGroup) logGroup.getNode().getDefaultChild())
                .addPropertyOverride("RetentionInDays", props.code().logRetentionDays());
        grant(List.of("logs:CreateLogStream", "logs:PutLogEvents"), List.of(logGroup.getLogGroupArn()));
        // An Update that CloudFormation sends while rolling back looks like any other: the handler
        // reads its own stack's status to tell (and then touches nothing).
        grant(List.of("cloudformation:DescribeStacks"), List.of(Aws.STACK_ID));

        CfnFunction.VpcConfigProperty vpcConfig = null;
        if (props.network() != null) {
            securityGroup = new SecurityGroup(this, "SecurityGroup", SecurityGroupProps.builder()
                    .vpc(props.network().vpc())
                    .description("dmlflow: " + props.description())
                    .allowAllOutbound(true)
                    .build());
            vpcConfig = CfnFunction.VpcConfigProperty.builder()
                    .subnetIds(props.network().applicationSubnetIds())
                    .securityGroupIds(List.of(securityGroup.getSecurityGroupId()))
                    .build();
            grantUnscoped(List.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses"), "*", null,
                    "Lambda's VPC networking: EC2 offers no resource-level scoping for Describe, and the"
                            + " network interfaces do not exist before Lambda creates them.");
        } else {
            securityGroup = null;
        }
        // A plain CfnFunction: the L2 Function would attach AWS managed policies to the role and
        // add a DependsOn that duplicates its own GetAtt.
        function = CfnFunction.Builder.create(this, "Function")
                .description("dmlflow: " + props.description())
                .runtime(RUNTIME)
                .architectures(List.of("arm64"))
                .handler(props.handler())
                .code(CfnFunction.CodeProperty.builder()
                        .s3Bucket(props.code().bucket())
                        .s3Key(props.code().key())
                        .build())
                .memorySize(1024)
                .timeout(props.timeout().toSeconds())
                .role(role.getRoleArn())
                .loggingConfig(CfnFunction.LoggingConfigProperty.builder()
                        .logGroup(logGroup.getLogGroupName())
                        .build())
                .environment(CfnFunction.EnvironmentProperty.builder().variables(environment()).build())
                .vpcConfig(vpcConfig)
                .build();
        // The role's permissions live in a separate policy: the function must not run before it exists.
        function.getNode().addDependency(role.getNode().findChild("DefaultPolicy"));
        if (props.network() != null) {
            // Lambda needs its subnets routed before it can place the function in them.
            props.network().requireEgress(function);
        }
        Nag.suppress(function, "AwsSolutions-L1",
                "The handlers are built and tested on Java 21, the Lambda Java LTS runtime they target.");
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>();
        // Custom resources run once per deployment: tiered C1 compilation starts them fastest.
        env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        return env;
    }

    void grant(List<String> actions, List<String> resources) {
        grant(actions, resources, null);
    }

    /**
     * A grant whose resource has a wildcard: the reason is recorded as the cdk-nag suppression
     * of exactly that resource pattern (written as cdk-nag prints it, e.g.
     * {@code arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<TrackingCluster>/*}).
     */
    void grantUnscoped(List<String> actions, String resource, Map<String, Object> conditions, String reason) {
        grantUnscoped(actions, resource, resource, conditions, reason);
    }

    void grantUnscoped(List<String> actions, String resource, String nagResource, Map<String, Object> conditions,
            String reason) {
        grant(actions, List.of(resource), conditions);
        Nag.allowWildcards(role, reason, List.of("Resource::" + nagResource));
    }

    void grant(List<String> actions, List<String> resources, Map<String, Object> conditions) {
        PolicyStatement.Builder statement = PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources);
        if (conditions != null) {
            statement.conditions(conditions);
        }
        role.addToPolicy(statement.build());
    }

    /** A custom resource served by this function, waiting no longer than the function can run. */
    CustomResource resource(String id, String type, Map<String, Object> properties) {
        return new CustomResource((Construct) this.getNode().getScope(), id, CustomResourceProps.builder()
                .serviceToken(function.getAttrArn())
                .resourceType(type)
                .properties(new TreeMap<>(properties))
                .serviceTimeout(timeout.plus(SERVICE_TIMEOUT_MARGIN))
                .build());
    }

    SecurityGroup securityGroup() {
        return Objects.requireNonNull(securityGroup, "this function is not in the VPC");
    }
}

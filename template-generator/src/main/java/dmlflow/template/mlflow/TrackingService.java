package dmlflow.template.mlflow;

import java.util.List;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.ecs.CapacityProviderStrategy;
import software.amazon.awscdk.services.ecs.CfnClusterCapacityProviderAssociations;
import software.amazon.awscdk.services.ecs.CfnClusterCapacityProviderAssociationsProps;
import software.amazon.awscdk.services.ecs.CfnService;
import software.amazon.awscdk.services.ecs.CfnTaskDefinition;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ClusterProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateServiceProps;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.logs.CfnLogGroup;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;

/**
 * The MLflow tracking server: an ECS cluster and a Fargate service in the private subnets,
 * reachable only from the load balancer, with CPU target-tracking autoscaling.
 */
final class TrackingService extends Construct {
    static final String CONTAINER_NAME = "mlflow";
    static final String LOG_STREAM_PREFIX = "mlflow";
    static final int HEALTH_CHECK_GRACE_SECONDS = 180;
    /** {@link #taskArnPattern()} as cdk-nag prints it. */
    static final String NAG_TASKS = "arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<TrackingCluster>/*";
    /** {@link #taskDefinitionFamilyArnPattern()} as cdk-nag prints it. */
    static final String NAG_TASK_DEFINITION_FAMILY =
            "arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/<AWS::StackName>-mlflow:*";

    /**
     * Settings of the service; every value may be a CloudFormation token. Built by name (two counts
     * of the same type cannot swap places unnoticed), and refused when a value is missing.
     */
    static final class Props {
        private final Network network;
        private final LoadBalancer loadBalancer;
        private final Database database;
        private final ArtifactStore artifacts;
        private final ServerSecrets secrets;
        private final String image;
        private final Number cpu;
        private final Number memoryMiB;
        private final Number ephemeralStorageGiB;
        private final String workers;
        private final Number desiredCount;
        private final Number minCount;
        private final Number maxCount;
        private final Number cpuTargetPercent;
        private final Number logRetentionDays;
        private final String authMode;
        private final String defaultPermission;
        private final String allowedHosts;
        private final String idleTimeoutSeconds;
        private final String credentialsVersion;
        private final String capacityProvider;
        private final SignIn signIn;

        private Props(Builder b) {
            signIn = Objects.requireNonNull(b.signIn, "signIn");
            network = Objects.requireNonNull(b.network, "network");
            loadBalancer = Objects.requireNonNull(b.loadBalancer, "loadBalancer");
            database = Objects.requireNonNull(b.database, "database");
            artifacts = Objects.requireNonNull(b.artifacts, "artifacts");
            secrets = Objects.requireNonNull(b.secrets, "secrets");
            image = Objects.requireNonNull(b.image, "image");
            cpu = Objects.requireNonNull(b.cpu, "cpu");
            memoryMiB = Objects.requireNonNull(b.memoryMiB, "memoryMiB");
            ephemeralStorageGiB = Objects.requireNonNull(b.ephemeralStorageGiB, "ephemeralStorageGiB");
            workers = Objects.requireNonNull(b.workers, "workers");
            desiredCount = Objects.requireNonNull(b.desiredCount, "desiredCount");
            minCount = Objects.requireNonNull(b.minCount, "minCount");
            maxCount = Objects.requireNonNull(b.maxCount, "maxCount");
            cpuTargetPercent = Objects.requireNonNull(b.cpuTargetPercent, "cpuTargetPercent");
            logRetentionDays = Objects.requireNonNull(b.logRetentionDays, "logRetentionDays");
            authMode = Objects.requireNonNull(b.authMode, "authMode");
            defaultPermission = Objects.requireNonNull(b.defaultPermission, "defaultPermission");
            allowedHosts = Objects.requireNonNull(b.allowedHosts, "allowedHosts");
            idleTimeoutSeconds = Objects.requireNonNull(b.idleTimeoutSeconds, "idleTimeoutSeconds");
            credentialsVersion = Objects.requireNonNull(b.credentialsVersion, "credentialsVersion");
            capacityProvider = Objects.requireNonNull(b.capacityProvider, "capacityProvider");
        }

        static Builder builder() {
            return new Builder();
        }

        Network network() {
            return network;
        }

        LoadBalancer loadBalancer() {
            return loadBalancer;
        }

        Database database() {
            return database;
        }

        ArtifactStore artifacts() {
            return artifacts;
        }

        ServerSecrets secrets() {
            return secrets;
        }

        String image() {
            return image;
        }

        Number cpu() {
            return cpu;
        }

        Number memoryMiB() {
            return memoryMiB;
        }

        Number ephemeralStorageGiB() {
            return ephemeralStorageGiB;
        }

        String workers() {
            return workers;
        }

        Number desiredCount() {
            return desiredCount;
        }

        Number minCount() {
            return minCount;
        }

        Number maxCount() {
            return maxCount;
        }

        Number cpuTargetPercent() {
            return cpuTargetPercent;
        }

        Number logRetentionDays() {
            return logRetentionDays;
        }

        String authMode() {
            return authMode;
        }

        String defaultPermission() {
            return defaultPermission;
        }

        String allowedHosts() {
            return allowedHosts;
        }

        String idleTimeoutSeconds() {
            return idleTimeoutSeconds;
        }

        String credentialsVersion() {
            return credentialsVersion;
        }

        String capacityProvider() {
            return capacityProvider;
        }

        SignIn signIn() {
            return signIn;
        }

        static final class Builder {
            private Network network;
            private LoadBalancer loadBalancer;
            private Database database;
            private ArtifactStore artifacts;
            private ServerSecrets secrets;
            private String image;
            private Number cpu;
            private Number memoryMiB;
            private Number ephemeralStorageGiB;
            private String workers;
            private Number desiredCount;
            private Number minCount;
            private Number maxCount;
            private Number cpuTargetPercent;
            private Number logRetentionDays;
            private String authMode;
            private String defaultPermission;
            private String allowedHosts;
            private String idleTimeoutSeconds;
            private String credentialsVersion;
            private String capacityProvider;
            private SignIn signIn;

            /** Who the load balancer signs in, which the server then trusts. */
            Builder signIn(SignIn value) {
                signIn = value;
                return this;
            }

            /** The VPC the tasks run in (private subnets). */
            Builder network(Network value) {
                network = value;
                return this;
            }

            /** What sends them requests. */
            Builder loadBalancer(LoadBalancer value) {
                loadBalancer = value;
                return this;
            }

            /** The backend store. */
            Builder database(Database value) {
                database = value;
                return this;
            }

            /** The artifact bucket. */
            Builder artifacts(ArtifactStore value) {
                artifacts = value;
                return this;
            }

            /** The admin password and Flask key. */
            Builder secrets(ServerSecrets value) {
                secrets = value;
                return this;
            }

            /** The MLflow image. */
            Builder image(String value) {
                image = value;
                return this;
            }

            /** Task CPU units. */
            Builder cpu(Number value) {
                cpu = value;
                return this;
            }

            /** Task memory. */
            Builder memoryMiB(Number value) {
                memoryMiB = value;
                return this;
            }

            /** Task disk. */
            Builder ephemeralStorageGiB(Number value) {
                ephemeralStorageGiB = value;
                return this;
            }

            /** Uvicorn workers per task. */
            Builder workers(String value) {
                workers = value;
                return this;
            }

            /** Tasks at first. */
            Builder desiredCount(Number value) {
                desiredCount = value;
                return this;
            }

            /** Fewest tasks autoscaling keeps. */
            Builder minCount(Number value) {
                minCount = value;
                return this;
            }

            /** Most tasks autoscaling makes. */
            Builder maxCount(Number value) {
                maxCount = value;
                return this;
            }

            /** The CPU autoscaling aims at. */
            Builder cpuTargetPercent(Number value) {
                cpuTargetPercent = value;
                return this;
            }

            /** How long the server's log is kept. */
            Builder logRetentionDays(Number value) {
                logRetentionDays = value;
                return this;
            }

            /** Basic or none. */
            Builder authMode(String value) {
                authMode = value;
                return this;
            }

            /** What users may do by default. */
            Builder defaultPermission(String value) {
                defaultPermission = value;
                return this;
            }

            /** The Host headers MLflow accepts. */
            Builder allowedHosts(String value) {
                allowedHosts = value;
                return this;
            }

            /** The load balancer's idle timeout (keep-alive follows). */
            Builder idleTimeoutSeconds(String value) {
                idleTimeoutSeconds = value;
                return this;
            }

            /** Changes when the database password is rotated. */
            Builder credentialsVersion(String value) {
                credentialsVersion = value;
                return this;
            }

            /** FARGATE or FARGATE_SPOT. */
            Builder capacityProvider(String value) {
                capacityProvider = value;
                return this;
            }

            Props build() {
                return new Props(this);
            }
        }
    }

    private final Cluster cluster;
    private final FargateTaskDefinition taskDefinition;
    private final FargateService service;
    private final SecurityGroup securityGroup;
    private final LogGroup logGroup;
    private final Role taskRole;
    private final String serviceName;

    TrackingService(Construct scope, String id, Props props) {
        super(scope, id);
        cluster = new Cluster(this, "Cluster", ClusterProps.builder()
                .vpc(props.network().vpc())
                .build());
        logGroup = new LogGroup(this, "Logs", LogGroupProps.builder()
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        ((CfnLogGroup) logGroup.getNode().getDefaultChild())
                .addPropertyOverride("RetentionInDays", props.logRetentionDays());

        TrackingTask task = new TrackingTask(this, props, logGroup);
        taskRole = task.role();
        taskDefinition = task.definition();

        securityGroup = new SecurityGroup(this, "SecurityGroup", SecurityGroupProps.builder()
                .vpc(props.network().vpc())
                .description("dmlflow tracking server: port 5000 from the load balancer only")
                .allowAllOutbound(true)
                .build());
        securityGroup.addIngressRule(props.loadBalancer().securityGroup(), Port.tcp(LoadBalancer.SERVER_PORT),
                "MLflow from the load balancer");
        props.loadBalancer().securityGroup().addEgressRule(securityGroup, Port.tcp(LoadBalancer.SERVER_PORT),
                "To the MLflow tasks");
        props.database().allowFrom(securityGroup, "MySQL from the MLflow tasks");

        serviceName = Fn.join("-", List.of(Aws.STACK_NAME, "mlflow"));
        service = new FargateService(this, "Service", FargateServiceProps.builder()
                .cluster(cluster)
                .taskDefinition(taskDefinition)
                .serviceName(serviceName)
                .desiredCount(props.desiredCount())
                .assignPublicIp(false)
                .vpcSubnets(props.network().applicationSubnets())
                .securityGroups(List.of(securityGroup))
                .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
                .healthCheckGracePeriod(Duration.seconds(HEALTH_CHECK_GRACE_SECONDS))
                .minHealthyPercent(100)
                .maxHealthyPercent(200)
                .enableEcsManagedTags(true)
                // FARGATE or FARGATE_SPOT: a capacity provider strategy either way, so that a change
                // between them is an update of the service, not a replacement (ECS, since June 2025).
                .capacityProviderStrategies(List.of(CapacityProviderStrategy.builder()
                        .capacityProvider(props.capacityProvider()).weight(1).build()))
                .build());
        // The cluster's FARGATE and FARGATE_SPOT association: the service can only use a provider once
        // it is associated (ECS UpdateService/CreateService), so it waits for it.
        CfnClusterCapacityProviderAssociations providers = new CfnClusterCapacityProviderAssociations(this,
                "CapacityProviders", CfnClusterCapacityProviderAssociationsProps.builder()
                        .cluster(cluster.getClusterName())
                        .capacityProviders(List.of("FARGATE", "FARGATE_SPOT"))
                        .defaultCapacityProviderStrategy(List.of())
                        .build());
        service.getNode().addDependency(providers);
        service.attachToApplicationTargetGroup(props.loadBalancer().targetGroup());
        for (Construct listener : props.loadBalancer().listeners()) {
            service.getNode().addDependency(listener);
        }

        ScalableTaskCount scaling = service.autoScaleTaskCount(EnableScalingProps.builder()
                .minCapacity(props.minCount())
                .maxCapacity(props.maxCount())
                .build());
        scaling.scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder()
                .targetUtilizationPercent(props.cpuTargetPercent())
                .scaleInCooldown(Duration.seconds(300))
                .scaleOutCooldown(Duration.seconds(60))
                .build());
    }

    /** Makes the service wait for a resource (the schema migration) before any task starts. */
    void startAfter(Construct dependency) {
        service.getNode().addDependency(dependency);
    }

    Cluster cluster() {
        return cluster;
    }

    Role taskRole() {
        return taskRole;
    }

    String clusterName() {
        return cluster.getClusterName();
    }

    String clusterArn() {
        return cluster.getClusterArn();
    }

    /** The service's name, known before the service exists, so the health gate can watch it being made. */
    String serviceName() {
        return serviceName;
    }

    String serviceArn() {
        return Stack.of(this).formatArn(software.amazon.awscdk.ArnComponents.builder()
                .service("ecs")
                .resource("service")
                .resourceName(clusterName() + "/" + serviceName)
                .build());
    }

    String taskArnPattern() {
        return Stack.of(this).formatArn(software.amazon.awscdk.ArnComponents.builder()
                .service("ecs")
                .resource("task")
                .resourceName(clusterName() + "/*")
                .build());
    }

    String taskDefinitionArn() {
        return taskDefinition.getTaskDefinitionArn();
    }

    /** Every revision of the task family: RunTask names a revision, and each update makes a new one. */
    String taskDefinitionFamilyArnPattern() {
        return Stack.of(this).formatArn(software.amazon.awscdk.ArnComponents.builder()
                .service("ecs")
                .resource("task-definition")
                .resourceName(Fn.join("-", List.of(Aws.STACK_NAME, "mlflow")) + ":*")
                .build());
    }

    List<String> passableRoleArns() {
        return List.of(taskRole.getRoleArn(), taskDefinition.obtainExecutionRole().getRoleArn());
    }

    String securityGroupId() {
        return securityGroup.getSecurityGroupId();
    }

    LogGroup logGroup() {
        return logGroup;
    }

    FargateTaskDefinition taskDefinition() {
        return taskDefinition;
    }
}

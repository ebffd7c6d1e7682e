package dmlflow.template.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;

/**
 * {@code Custom::MlflowSchema}: runs the tracking server's task definition once with
 * {@code DMLFLOW_MODE=migrate} and succeeds only if it exits 0. The service starts after it,
 * so no task of a new version meets an old schema. On an image change that needs a migration it
 * first stops the service's tasks and snapshots the cluster (see SchemaMigrationHandler).
 *
 * <p>Properties: {@code Cluster}, {@code Service}, {@code TaskDefinition}, {@code ContainerName},
 * {@code Subnets}, {@code SecurityGroups}, {@code LogGroup}, {@code LogStreamPrefix}, {@code Image},
 * {@code DatabaseCluster}.
 */
final class SchemaMigration extends Construct {
    static final String TYPE = CustomResourceTypes.SCHEMA;
    static final String HANDLER = "dmlflow.resources.schema.SchemaMigrationHandler::handleRequest";
    static final String NAG_SNAPSHOTS =
            "arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster-snapshot:dmlflow-*";

    record Props(Network network, TrackingService service, Database database, DatabaseSetup databaseSetup, String image,
            CustomResourceFunction.Code code, String keepSnapshots) {
        Props {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(databaseSetup, "databaseSetup");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(keepSnapshots, "keepSnapshots");
        }
    }

    private final CustomResource resource;

    SchemaMigration(Construct scope, String id, Props props) {
        super(scope, id);
        TrackingService service = props.service();
        CustomResourceFunction function = new CustomResourceFunction(this, "Handler", new CustomResourceFunction.Props(
                HANDLER, "runs the MLflow schema migration as a one-off task", Duration.seconds(900),
                props.code(), null));
        function.grantUnscoped(List.of("ecs:RunTask"), service.taskDefinitionFamilyArnPattern(),
                TrackingService.NAG_TASK_DEFINITION_FAMILY,
                Map.of("ArnEquals", Map.of("ecs:cluster", service.clusterArn())),
                "RunTask names a revision of our task family; each stack update makes a new revision.");
        function.grantUnscoped(List.of("ecs:ListTasks"), "*",
                Map.of("ArnEquals", Map.of("ecs:cluster", service.clusterArn())),
                "ListTasks takes no resource; the condition limits it to our cluster. A retried request"
                        + " finds the migration its first attempt started.");
        function.grantUnscoped(List.of("ecs:DescribeTasks"), service.taskArnPattern(),
                TrackingService.NAG_TASKS, null, "ECS makes the task ids at run time; the pattern names our cluster.");
        function.grant(List.of("iam:PassRole"), service.passableRoleArns(),
                Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com")));
        function.grant(List.of("logs:GetLogEvents"), List.of(service.logGroup().getLogGroupArn()));
        // Before a migration: stop the service's tasks (and give them back after), snapshot the cluster.
        function.grant(List.of("ecs:DescribeServices", "ecs:UpdateService"), List.of(service.serviceArn()));
        String snapshots = Stack.of(this).formatArn(ArnComponents.builder().service("rds").resource("cluster-snapshot")
                .resourceName("dmlflow-*").arnFormat(ArnFormat.COLON_RESOURCE_NAME).build());
        function.grant(List.of("rds:CreateDBClusterSnapshot", "rds:DescribeDBClusterSnapshots"),
                List.of(props.database().clusterArn()));
        // The cluster copies its tags to its snapshots (CopyTagsToSnapshot), which takes AddTagsToResource.
        // After a successful upgrade, the older pre-upgrade snapshots beyond KeepSnapshots go.
        function.grantUnscoped(List.of("rds:CreateDBClusterSnapshot", "rds:DescribeDBClusterSnapshots",
                "rds:AddTagsToResource", "rds:DeleteDBClusterSnapshot"), snapshots,
                NAG_SNAPSHOTS, null, "The snapshot's name carries the stack, the MLflow version and a request hash,"
                        + " lower-cased as RDS stores it; the pattern names dmlflow's pre-upgrade snapshots only.");

        resource = function.resource("Resource", TYPE, Map.ofEntries(
                Map.entry("Cluster", service.clusterName()),
                Map.entry("Service", service.serviceName()),
                Map.entry("DatabaseCluster", props.database().clusterIdentifier()),
                Map.entry("TaskDefinition", service.taskDefinitionArn()),
                Map.entry("ContainerName", TrackingService.CONTAINER_NAME),
                Map.entry("Subnets", props.network().applicationSubnetIds()),
                Map.entry("SecurityGroups", List.of(service.securityGroupId())),
                Map.entry("LogGroup", service.logGroup().getLogGroupName()),
                Map.entry("LogStreamPrefix", TrackingService.LOG_STREAM_PREFIX),
                Map.entry("Image", props.image()),
                Map.entry("KeepSnapshots", props.keepSnapshots())));
        // The migration task needs its database user, and a way out to pull the image.
        resource.getNode().addDependency(props.databaseSetup().resource());
        props.network().requireEgress(resource);
        service.startAfter(resource);
    }

    CustomResource resource() {
        return resource;
    }
}

package dmlflow.template;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;

/**
 * {@code Custom::MlflowSchema}: runs the tracking server's task definition once with
 * {@code DMLFLOW_MODE=migrate} and succeeds only if it exits 0. The service starts after it,
 * so no task of a new version meets an old schema.
 *
 * <p>Properties: {@code Cluster}, {@code TaskDefinition}, {@code ContainerName}, {@code Subnets},
 * {@code SecurityGroups}, {@code LogGroup}, {@code LogStreamPrefix}, {@code Image}.
 */
final class SchemaMigration extends Construct {
    static final String TYPE = "Custom::MlflowSchema";
    static final String HANDLER = "dmlflow.resources.schema.SchemaMigrationHandler::handleRequest";

    record Props(Network network, TrackingService service, DatabaseSetup databaseSetup, String image,
            CustomResourceFunction.Code code) {
        Props {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(databaseSetup, "databaseSetup");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(code, "code");
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

        resource = function.resource("Resource", TYPE, Map.of(
                "Cluster", service.clusterName(),
                "TaskDefinition", service.taskDefinitionArn(),
                "ContainerName", TrackingService.CONTAINER_NAME,
                "Subnets", props.network().applicationSubnetIds(),
                "SecurityGroups", List.of(service.securityGroupId()),
                "LogGroup", service.logGroup().getLogGroupName(),
                "LogStreamPrefix", TrackingService.LOG_STREAM_PREFIX,
                "Image", props.image()));
        // The migration task needs its database user, and a way out to pull the image.
        resource.getNode().addDependency(props.databaseSetup().resource());
        props.network().requireEgress(resource);
        service.startAfter(resource);
    }

    CustomResource resource() {
        return resource;
    }
}

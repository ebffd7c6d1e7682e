package dmlflow.template.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;

/**
 * {@code Custom::MlflowHealth}: holds the stack until the tracking server answers through the
 * load balancer, and fails it early, with the container's own error, when tasks keep dying.
 *
 * <p>It is created alongside the service, not after it: it depends on what the service depends
 * on and names the service by its fixed name, so CloudFormation starts it while the service is
 * still being created or updated. Properties: {@code Cluster}, {@code Service},
 * {@code TargetGroup}, {@code TrackingUri} (the load balancer's own http URL, which forwards the
 * gate's requests), {@code TrackingHost} (the host name users' requests carry: DomainName or the
 * load balancer's name), {@code Image} (for MlflowVersion on a rollback), {@code TaskDefinition},
 * {@code ContainerName}, {@code LogGroup}, {@code LogStreamPrefix}, {@code TimeoutSeconds}.
 * Returns {@code MlflowVersion}.
 */
final class HealthGate extends Construct {
    static final String TYPE = CustomResourceTypes.HEALTH;
    static final String HANDLER = "dmlflow.resources.health.HealthGateHandler::handleRequest";
    static final Duration FUNCTION_TIMEOUT = Duration.seconds(900);

    record Props(Network network, LoadBalancer loadBalancer, TrackingService service, SchemaMigration schema,
            String trackingHost, String image, String timeoutSeconds, CustomResourceFunction.Code code) {
        Props {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(loadBalancer, "loadBalancer");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(trackingHost, "trackingHost");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(timeoutSeconds, "timeoutSeconds");
            Objects.requireNonNull(code, "code");
        }
    }

    private final CustomResource resource;

    HealthGate(Construct scope, String id, Props props) {
        super(scope, id);
        TrackingService service = props.service();
        CustomResourceFunction function = new CustomResourceFunction(this, "Handler", new CustomResourceFunction.Props(
                HANDLER, "waits until the MLflow tracking server is healthy", FUNCTION_TIMEOUT,
                props.code(), props.network()));
        function.grant(List.of("ecs:DescribeServices"), List.of(service.serviceArn()));
        function.grantUnscoped(List.of("ecs:ListTasks"), "*",
                Map.of("ArnEquals", Map.of("ecs:cluster", service.clusterArn())),
                "ListTasks takes no resource; the condition limits it to our cluster.");
        function.grantUnscoped(List.of("ecs:DescribeTasks"), service.taskArnPattern(), TrackingService.NAG_TASKS,
                null, "ECS makes the task ids at run time; the pattern names our cluster.");
        function.grantUnscoped(List.of("elasticloadbalancing:DescribeTargetHealth"), "*", null,
                "DescribeTargetHealth takes no resource-level scoping.");
        function.grant(List.of("logs:GetLogEvents"), List.of(service.logGroup().getLogGroupArn()));

        resource = function.resource("Resource", TYPE, Map.ofEntries(
                Map.entry("Cluster", service.clusterName()),
                Map.entry("Service", service.serviceName()),
                Map.entry("TargetGroup", props.loadBalancer().targetGroup().getTargetGroupArn()),
                Map.entry("TrackingUri", props.loadBalancer().probeUrl()),
                Map.entry("TrackingHost", props.trackingHost()),
                Map.entry("Image", props.image()),
                Map.entry("TaskDefinition", service.taskDefinitionArn()),
                Map.entry("ContainerName", TrackingService.CONTAINER_NAME),
                Map.entry("LogGroup", service.logGroup().getLogGroupName()),
                Map.entry("LogStreamPrefix", TrackingService.LOG_STREAM_PREFIX),
                Map.entry("TimeoutSeconds", props.timeoutSeconds())));
        // Start with the service (which waits for the schema), not after it, and keep the
        // network path to the load balancer and to CloudFormation until this is gone.
        resource.getNode().addDependency(props.schema().resource());
        for (Construct listener : props.loadBalancer().listeners()) {
            resource.getNode().addDependency(listener);
        }
        props.network().requireEgress(resource);
        ((CfnResource) resource.getNode().getDefaultChild()).addMetadata("dmlflow:probesTheDomainAfter",
                props.loadBalancer().probeNeedsDomain());
    }

    CustomResource resource() {
        return resource;
    }

    String mlflowVersion() {
        return resource.getAttString("MlflowVersion");
    }
}

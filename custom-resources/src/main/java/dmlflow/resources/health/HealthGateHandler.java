package dmlflow.resources.health;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.ecs.StoppedTask;
import dmlflow.resources.ecs.TaskLogs;
import dmlflow.resources.protocol.AnswerSender;
import dmlflow.resources.protocol.CustomResourceHandler;
import dmlflow.resources.protocol.CustomResourceRequest;
import dmlflow.resources.protocol.Deadline;
import dmlflow.resources.protocol.HttpAnswerSender;
import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.protocol.Outcome;
import dmlflow.resources.protocol.Progress;
import dmlflow.resources.protocol.ResourceFailure;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

/**
 * {@code Custom::MlflowHealth}: holds the stack until the service's deployment of this task
 * definition runs its desired count, its tasks are healthy targets and {@code /health} answers
 * through the load balancer (SUCCESS, with {@code MlflowVersion}); fails within a few polls,
 * with the container's own words, when that deployment's tasks keep dying; and fails at
 * {@code TimeoutSeconds} saying what was not met. Delete answers at once.
 */
public final class HealthGateHandler extends CustomResourceHandler<HealthGateProperties> {
    /** Failed tasks of one deployment after which it is a crash loop, not a slow start. */
    static final int FAILED_TASKS_LIMIT = 2;
    private static final Duration DEFAULT_POLL = Duration.ofSeconds(10);

    private final Supplier<EcsClient> ecs;
    private final Supplier<ElasticLoadBalancingV2Client> elb;
    private final Supplier<CloudWatchLogsClient> logs;
    private final HttpProbe http = new HttpProbe();
    private final Duration poll;

    public HealthGateHandler() {
        this(new HttpAnswerSender(), Clock.systemUTC(), new Lazy<>(AwsClients::ecs),
                new Lazy<>(AwsClients::elasticLoadBalancing), new Lazy<>(AwsClients::logs), DEFAULT_POLL);
    }

    HealthGateHandler(AnswerSender sender, Clock clock, Supplier<EcsClient> ecs, Supplier<ElasticLoadBalancingV2Client> elb,
            Supplier<CloudWatchLogsClient> logs, Duration poll) {
        super(sender, clock);
        this.ecs = ecs;
        this.elb = elb;
        this.logs = logs;
        this.poll = poll;
    }

    @Override
    protected HealthGateProperties parseProperties(JsonNode properties) {
        return HealthGateProperties.parse(properties);
    }

    @Override
    protected Outcome create(CustomResourceRequest<HealthGateProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        return await(request.properties(), deadline, progress);
    }

    @Override
    protected Outcome update(CustomResourceRequest<HealthGateProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        return await(request.properties(), deadline, progress);
    }

    @Override
    protected Outcome delete(CustomResourceRequest<HealthGateProperties> request, Deadline deadline, Progress progress) {
        return Outcome.done();
    }

    private Outcome await(HealthGateProperties p, Deadline lambdaDeadline, Progress progress) throws InterruptedException {
        Deadline deadline = lambdaDeadline.within(Duration.ofSeconds(p.timeoutSeconds()));
        Instant began = Instant.now();
        TaskLogs taskLogs = new TaskLogs(logs, p.logGroup(), p.logStreamPrefix());
        while (true) {
            Observation seen = observe(p, taskLogs);
            if (seen.fatal() != null) {
                throw new ResourceFailure(seen.fatal());
            }
            if (seen.healthy()) {
                return Outcome.done(Map.of("MlflowVersion", seen.version()));
            }
            progress.now("the tracking server to become healthy: " + seen.unmetConditions());
            if (deadline.passed()) {
                throw new ResourceFailure("the tracking server was not healthy after "
                        + Duration.between(began, Instant.now()).toSeconds() + " s (HealthCheckTimeoutSeconds "
                        + p.timeoutSeconds() + "): " + seen.unmetConditions());
            }
            deadline.sleep(poll);
        }
    }

    private Observation observe(HealthGateProperties p, TaskLogs taskLogs) throws InterruptedException {
        Observation seen = new Observation();
        DescribeServicesResponse described = ecs.get().describeServices(r -> r.cluster(p.cluster()).services(p.service()));
        var service = described.services().stream().filter(s -> !"INACTIVE".equals(s.status())).findFirst();
        if (service.isEmpty()) {
            seen.unmet("the service " + p.service() + " to be created");
            return seen;
        }
        Optional<Deployment> deployment = service.get().deployments().stream()
                .filter(d -> p.taskDefinition().equals(d.taskDefinition())).findFirst();
        if (deployment.isEmpty()) {
            seen.unmet("a deployment of " + revision(p.taskDefinition()) + " in service " + p.service());
            return seen;
        }
        Deployment current = deployment.get();

        List<Task> failed = tasks(p, DesiredStatus.STOPPED).stream()
                .filter(t -> current.id().equals(t.startedBy()) && StoppedTask.failed(t, p.containerName()))
                .sorted(Comparator.comparing(Task::stoppedAt, Comparator.nullsFirst(Comparator.naturalOrder())).reversed())
                .toList();
        if (current.rolloutState() == DeploymentRolloutState.FAILED || failed.size() >= FAILED_TASKS_LIMIT) {
            String why = current.rolloutState() == DeploymentRolloutState.FAILED
                    ? "the deployment of " + revision(p.taskDefinition()) + " failed (" + current.rolloutStateReason() + ")"
                    : failed.size() + " tasks of " + revision(p.taskDefinition()) + " stopped in failure";
            seen.fatal("the tracking server does not start: " + why
                    + (failed.isEmpty() ? "" : ". Latest: " + StoppedTask.describe(failed.get(0), p.containerName(), taskLogs)));
            return seen;
        }

        int desired = current.desiredCount() == null ? 0 : current.desiredCount();
        int running = current.runningCount() == null ? 0 : current.runningCount();
        if (desired == 0 || running < desired) {
            seen.unmet(running + " of " + desired + " tasks of " + revision(p.taskDefinition()) + " running");
        }
        Set<String> addresses = tasks(p, DesiredStatus.RUNNING).stream()
                .filter(t -> p.taskDefinition().equals(t.taskDefinitionArn()) && current.id().equals(t.startedBy()))
                .map(HealthGateHandler::privateAddress).filter(a -> a != null).collect(Collectors.toSet());
        Set<String> healthy = elb.get().describeTargetHealth(r -> r.targetGroupArn(p.targetGroup()))
                .targetHealthDescriptions().stream()
                .filter(t -> t.targetHealth() != null && t.targetHealth().state() == TargetHealthStateEnum.HEALTHY)
                .map(TargetHealthDescription::target).map(t -> t.id()).collect(Collectors.toSet());
        long healthyTasks = addresses.stream().filter(healthy::contains).count();
        if (addresses.isEmpty() || healthyTasks < Math.max(desired, 1)) {
            seen.unmet(healthyTasks + " of " + Math.max(desired, addresses.size()) + " tasks healthy in the target group");
        }
        probe(p, seen);
        return seen;
    }

    private void probe(HealthGateProperties p, Observation seen) throws InterruptedException {
        try {
            HttpProbe.Reply health = http.get(p.trackingUri(), "/health");
            if (health.status() != 200) {
                seen.unmet(p.trackingUri() + "/health to answer 200 (it answered " + health.status() + ")");
                return;
            }
            HttpProbe.Reply version = http.get(p.trackingUri(), "/version");
            if (version.status() == 200 && !version.body().isEmpty()) {
                String text = version.body();
                seen.version(text.length() > 64 ? text.substring(0, 64) : text);
            } else {
                seen.unmet(p.trackingUri() + "/version to answer (it answered " + version.status() + ")");
            }
        } catch (IOException e) {
            seen.unmet(p.trackingUri() + "/health to answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private List<Task> tasks(HealthGateProperties p, DesiredStatus status) {
        List<String> arns = ecs.get().listTasks(r -> r.cluster(p.cluster()).serviceName(p.service())
                .desiredStatus(status)).taskArns();
        if (arns.isEmpty()) {
            return List.of();
        }
        List<String> newest = arns.size() > 100 ? arns.subList(0, 100) : arns;
        return ecs.get().describeTasks(r -> r.cluster(p.cluster()).tasks(newest)).tasks();
    }

    private static String privateAddress(Task task) {
        return task.attachments().stream().flatMap(a -> a.details().stream())
                .filter(d -> "privateIPv4Address".equals(d.name())).map(d -> d.value()).findFirst().orElse(null);
    }

    private static String revision(String taskDefinitionArn) {
        return taskDefinitionArn.substring(taskDefinitionArn.lastIndexOf('/') + 1);
    }
}

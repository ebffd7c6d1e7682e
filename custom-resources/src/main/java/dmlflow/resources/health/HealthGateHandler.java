package dmlflow.resources.health;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.aws.CloudFormationStackStatus;
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
import dmlflow.resources.protocol.StackStatus;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * definition runs its desired count, its tasks are healthy targets, {@code /health} answers
 * through the load balancer and an API request carrying the tracking URI's Host header reaches
 * MLflow (SUCCESS, with {@code MlflowVersion} as the container logged it); fails within a few
 * polls, with the container's own words, when that deployment's tasks keep dying or MLflow
 * refuses the Host header; and fails at {@code TimeoutSeconds} saying what was not met. Delete,
 * and an Update during a rollback, answer at once.
 *
 * <p>What MLflow answers, from its source (mlflow/server/fastapi_security.py, security_utils.py,
 * auth/__init__.py): {@code /health} and {@code /version} skip the Host check, so only another
 * path proves that users get through it; a refused Host gets 403 "Invalid Host header"; under
 * basic auth, every path but {@code /static}, {@code /favicon.ico} and {@code /health} answers an
 * anonymous request 401 with {@code WWW-Authenticate: Basic}, so {@code /version} cannot serve
 * and a 401 on the API is the proof that the request reached MLflow.
 */
public final class HealthGateHandler extends CustomResourceHandler<HealthGateProperties> {
    /** Failed tasks of one deployment after which it is a crash loop, not a slow start. */
    static final int FAILED_TASKS_LIMIT = 2;
    private static final Duration DEFAULT_POLL = Duration.ofSeconds(10);
    /** An API read every MLflow answers: 200 without auth, 401 to an anonymous request under basic auth. */
    static final String API_PROBE = "/api/2.0/mlflow/experiments/search?max_results=1";
    /**
     * Credentials no user has, on the API probe. With SignIn oidc or cognito the load balancer
     * forwards a request carrying an Authorization header to MLflow as it came, as scripts' requests
     * are (the template's CredentialsSkipSignIn rule), and answers other API requests 401 itself,
     * without MLflow's Basic challenge (ApiDeniedWithoutSession). MLflow answers unknown credentials
     * as it answers none, 401 with the challenge (mlflow/server/auth/__init__.py,
     * make_basic_auth_response), and ignores them without auth; so the probe proves the same in
     * every mode, and never meets the identity provider.
     */
    static final String PROBE_CREDENTIALS = "Basic " + java.util.Base64.getEncoder()
            .encodeToString("dmlflow-health-gate:".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    /** The start script's line naming the image's MLflow (start-mlflow.sh). */
    static final Pattern VERSION_LINE = Pattern.compile("^dmlflow: MLflow (\\S+)$");
    private static final Pattern VERSION_TAG = Pattern.compile(":v?(\\d+\\.\\d+\\.\\d+[A-Za-z0-9.]*)(-[A-Za-z0-9.]+)?$");

    private final Supplier<EcsClient> ecs;
    private final Supplier<ElasticLoadBalancingV2Client> elb;
    private final Supplier<CloudWatchLogsClient> logs;
    private final HttpProbe http = new HttpProbe();
    private final Duration poll;

    public HealthGateHandler() {
        this(new HttpAnswerSender(), Clock.systemUTC(), new CloudFormationStackStatus(), new Lazy<>(AwsClients::ecs),
                new Lazy<>(AwsClients::elasticLoadBalancing), new Lazy<>(AwsClients::logs), DEFAULT_POLL);
    }

    HealthGateHandler(AnswerSender sender, Clock clock, StackStatus stackStatus, Supplier<EcsClient> ecs, Supplier<ElasticLoadBalancingV2Client> elb,
            Supplier<CloudWatchLogsClient> logs, Duration poll) {
        super(sender, clock, stackStatus);
        this.ecs = ecs;
        this.elb = elb;
        this.logs = logs;
        this.poll = poll;
    }

    @Override
    protected HealthGateProperties parseProperties(JsonNode properties) {
        return HealthGateProperties.parse(properties);
    }

    /** Update waits the same way (the protocol's default), for the new task definition's deployment. */
    @Override
    protected Outcome create(CustomResourceRequest<HealthGateProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        return await(request.properties(), deadline, progress);
    }

    @Override
    protected Outcome delete(CustomResourceRequest<HealthGateProperties> request, Deadline deadline, Progress progress) {
        return Outcome.done();
    }

    /** The template rolled back to reads MlflowVersion: its image's tag is all there is to go by. */
    @Override
    protected Map<String, String> rollbackData(CustomResourceRequest<HealthGateProperties> request) {
        return Map.of("MlflowVersion", versionFromImage(request.properties().image()));
    }

    static String versionFromImage(String image) {
        Matcher tag = VERSION_TAG.matcher(image);
        return tag.find() ? tag.group(1) : "unknown (image " + image + ")";
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
        Map<String, Task> byAddress = new TreeMap<>();
        tasks(p, DesiredStatus.RUNNING).stream()
                .filter(t -> p.taskDefinition().equals(t.taskDefinitionArn()) && current.id().equals(t.startedBy()))
                .forEach(t -> {
                    String address = privateAddress(t);
                    if (address != null) {
                        byAddress.put(address, t);
                    }
                });
        Set<String> healthy = elb.get().describeTargetHealth(r -> r.targetGroupArn(p.targetGroup()))
                .targetHealthDescriptions().stream()
                .filter(t -> t.targetHealth() != null && t.targetHealth().state() == TargetHealthStateEnum.HEALTHY)
                .map(TargetHealthDescription::target).map(t -> t.id()).collect(Collectors.toSet());
        List<Task> healthyTasks = byAddress.entrySet().stream().filter(e -> healthy.contains(e.getKey()))
                .map(Map.Entry::getValue).toList();
        if (healthyTasks.isEmpty() || healthyTasks.size() < Math.max(desired, 1)) {
            seen.unmet(healthyTasks.size() + " of " + Math.max(desired, byAddress.size()) + " tasks healthy in the target group");
        }
        // The earlier deployment's tasks still drain and write: a rotated password's predecessor is
        // discarded after this gate, and a refused Host may be theirs, not ours.
        int deployments = service.get().deployments().size();
        if (deployments > 1) {
            seen.unmet("the tasks of " + (deployments - 1) + " earlier deployment(s) to stop");
        }
        probe(http, p.trackingUri(), p.trackingHost(), deployments == 1, seen);
        if (!healthyTasks.isEmpty()) {
            seen.version(taskLogs.first(p.containerName(), healthyTasks.get(0).taskArn(), VERSION_LINE)
                    .orElseGet(() -> versionFromImage(p.image())));
        }
        return seen;
    }

    /** /health through the load balancer, then an API request as a user sends it. */
    static void probe(HttpProbe http, URI base, String trackingHost, boolean onlyOurTasksServe, Observation seen)
            throws InterruptedException {
        String path = "/health";
        try {
            HttpProbe.Reply health = http.get(base, path);
            if (health.status() != 200) {
                seen.unmet(base + path + " to answer 200 (it answered " + health.status() + ")");
                return;
            }
            path = API_PROBE;
            HttpProbe.Reply api = http.get(base, path, trackingHost, PROBE_CREDENTIALS);
            boolean reachedBasicAuth = api.status() == 401
                    && api.wwwAuthenticate().filter(h -> h.regionMatches(true, 0, "Basic", 0, 5)).isPresent();
            if (api.status() == 200 || reachedBasicAuth) {
                seen.reachedMlflow();
            } else if (api.status() == 403 && api.body().contains("Invalid Host header") && onlyOurTasksServe) {
                seen.fatal("MLflow refuses requests for host '" + trackingHost + "' (403 \"" + api.body()
                        + "\"): the tracking server's allowed hosts do not include the tracking URI's host; check"
                        + " the DomainName parameter (it must be the exact name clients use)");
            } else {
                seen.unmet("an API request for host " + trackingHost + " to reach MLflow (it answered "
                        + api.status() + (api.body().isEmpty() ? "" : " \"" + api.body() + "\"") + ")");
            }
        } catch (IOException e) {
            seen.unmet(base + path + " to answer (" + e.getClass().getSimpleName()
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

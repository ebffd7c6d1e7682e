package dmlflow.resources.schema;

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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * {@code Custom::MlflowSchema}: runs the tracking server's task definition once with
 * {@code DMLFLOW_MODE=migrate} and succeeds only when its container exits 0. Update runs it again
 * (a new image may bring a new schema). Delete changes nothing.
 */
public final class SchemaMigrationHandler extends CustomResourceHandler<SchemaMigrationProperties> {
    static final String MODE_VARIABLE = "DMLFLOW_MODE";
    private static final Duration DEFAULT_POLL = Duration.ofSeconds(5);

    private final Supplier<EcsClient> ecs;
    private final Supplier<CloudWatchLogsClient> logs;
    private final Duration poll;

    public SchemaMigrationHandler() {
        this(new HttpAnswerSender(), Clock.systemUTC(), new Lazy<>(AwsClients::ecs), new Lazy<>(AwsClients::logs), DEFAULT_POLL);
    }

    SchemaMigrationHandler(AnswerSender sender, Clock clock, Supplier<EcsClient> ecs, Supplier<CloudWatchLogsClient> logs,
            Duration poll) {
        super(sender, clock);
        this.ecs = ecs;
        this.logs = logs;
        this.poll = poll;
    }

    @Override
    protected SchemaMigrationProperties parseProperties(JsonNode properties) {
        return SchemaMigrationProperties.parse(properties);
    }

    @Override
    protected Outcome create(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        return migrate(request, deadline, progress);
    }

    @Override
    protected Outcome update(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        return migrate(request, deadline, progress);
    }

    @Override
    protected Outcome delete(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress) {
        return Outcome.done();
    }

    private Outcome migrate(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        SchemaMigrationProperties p = request.properties();
        String startedBy = startedBy(request.requestId());
        progress.now("the schema migration task to start on cluster " + p.cluster());
        String taskArn = alreadyRunning(p, startedBy);
        if (taskArn == null) {
            taskArn = start(p, startedBy);
        }
        Instant began = Instant.now();
        String taskId = TaskLogs.taskId(taskArn);
        TaskLogs taskLogs = new TaskLogs(logs, p.logGroup(), p.logStreamPrefix());
        while (true) {
            String arn = taskArn;
            List<Task> tasks = ecs.get().describeTasks(r -> r.cluster(p.cluster()).tasks(arn)).tasks();
            if (tasks.isEmpty()) {
                throw new ResourceFailure("the schema migration task " + taskId + " disappeared from cluster " + p.cluster());
            }
            Task task = tasks.get(0);
            if ("STOPPED".equals(task.lastStatus())) {
                if (StoppedTask.succeeded(task, p.containerName())) {
                    return Outcome.done(Map.of("TaskId", taskId));
                }
                throw new ResourceFailure("schema migration failed (image " + p.image() + "): "
                        + StoppedTask.describe(task, p.containerName(), taskLogs));
            }
            progress.now("the schema migration task " + taskId + " to finish (status " + task.lastStatus()
                    + " after " + Duration.between(began, Instant.now()).toSeconds() + " s; its log: "
                    + taskLogs.location(p.containerName(), arn) + ")");
            if (deadline.passed()) {
                throw new ResourceFailure("the schema migration task " + taskId + " was still " + task.lastStatus()
                        + " at the deadline; it was left to finish (log: " + taskLogs.location(p.containerName(), arn)
                        + "). Retry the deployment once it has stopped.");
            }
            deadline.sleep(poll);
        }
    }

    /** A retried invocation finds the task its first attempt started instead of starting a second one. */
    private String alreadyRunning(SchemaMigrationProperties p, String startedBy) {
        List<String> arns = ecs.get().listTasks(r -> r.cluster(p.cluster()).startedBy(startedBy)
                .desiredStatus(DesiredStatus.RUNNING)).taskArns();
        return arns.isEmpty() ? null : arns.get(0);
    }

    private String start(SchemaMigrationProperties p, String startedBy) {
        RunTaskResponse response = ecs.get().runTask(r -> r.cluster(p.cluster())
                .taskDefinition(p.taskDefinition())
                .launchType(LaunchType.FARGATE)
                .count(1)
                .startedBy(startedBy)
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(p.subnets())
                        .securityGroups(p.securityGroups()).assignPublicIp(AssignPublicIp.DISABLED)))
                .overrides(o -> o.containerOverrides(c -> c.name(p.containerName())
                        .environment(KeyValuePair.builder().name(MODE_VARIABLE).value("migrate").build()))));
        if (response.tasks().isEmpty()) {
            String why = response.failures().stream().map(SchemaMigrationHandler::describe).reduce((a, b) -> a + "; " + b)
                    .orElse("ECS gave no reason");
            throw new ResourceFailure("ECS did not start the schema migration task: " + why);
        }
        return response.tasks().get(0).taskArn();
    }

    private static String describe(Failure failure) {
        return failure.reason() + (failure.detail() == null ? "" : " (" + failure.detail() + ")")
                + (failure.arn() == null ? "" : " for " + failure.arn());
    }

    /** ECS's startedBy tag for one request: the same for every retry of it (at most 36 characters). */
    static String startedBy(String requestId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return "dmlflow-schema-" + HexFormat.of().formatHex(hash, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}

package dmlflow.resources.schema;

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
import dmlflow.resources.protocol.Reasons;
import dmlflow.resources.protocol.ResourceFailure;
import dmlflow.resources.protocol.StackStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * {@code Custom::MlflowSchema}: brings MLflow's schemas to the image's version with one-off runs
 * of the tracking server's own task definition.
 *
 * <ul>
 *   <li>Create: runs it with {@code DMLFLOW_MODE=migrate} (nothing serves yet) and succeeds only
 *       when its container exits 0.</li>
 *   <li>Update with the same task definition: nothing that decides the schema changed; answers
 *       at once.</li>
 *   <li>Update with a new task definition (a new image, basic auth turned on, …): runs it with
 *       {@code DMLFLOW_MODE=check} first. Exit 0 (the schemas are already at the new MLflow's
 *       head): nothing more, and the service's rolling update that follows is a plain one. Exit 11
 *       (only a new, empty user store): migrates while the running tasks serve, since none of them
 *       uses it. Exit 10 (a migration is needed): MLflow wants every writer stopped and no two
 *       versions on one schema (3.17 release notes), so the service is moved to the new task
 *       definition with no tasks and its tasks are waited out, the cluster is snapshotted, the
 *       migration runs, and the service gets its tasks back, on the new version. If that fails
 *       before the migration ends, the service is put back as it was and the reason names the
 *       snapshot and how to restore it; a migration still running at the deadline leaves the
 *       service without tasks, so that no old version writes beside it. Exit 65: the database is
 *       newer than the image; nothing is touched.</li>
 *   <li>Delete changes nothing; an Update during a rollback answers at once (protocol layer).</li>
 * </ul>
 */
public final class SchemaMigrationHandler extends CustomResourceHandler<SchemaMigrationProperties> {
    static final String MODE_VARIABLE = "DMLFLOW_MODE";
    /** start-mlflow.sh's check mode: the exit code that says a migration is needed. */
    static final int SCHEMA_CHANGE_NEEDED = 10;
    /** start-mlflow.sh's check mode: only a new, empty user store is needed. */
    static final int NEW_USER_STORE_NEEDED = 11;
    private static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
    /** Every pre-upgrade snapshot's name starts so (the template's policy says the same). */
    static final String SNAPSHOT_PREFIX = "dmlflow-";
    /** Time kept back from the deadline to put the service back after a failure. */
    private static final Duration RESTORE_RESERVE = Duration.ofSeconds(15);

    private final Supplier<EcsClient> ecs;
    private final Supplier<CloudWatchLogsClient> logs;
    private final ClusterSnapshots snapshots;
    private final Duration poll;

    public SchemaMigrationHandler() {
        this(new HttpAnswerSender(), Clock.systemUTC(), new CloudFormationStackStatus(), new Lazy<>(AwsClients::ecs),
                new Lazy<>(AwsClients::logs), new Lazy<>(AwsClients::rds), DEFAULT_POLL);
    }

    SchemaMigrationHandler(AnswerSender sender, Clock clock, StackStatus stackStatus, Supplier<EcsClient> ecs,
            Supplier<CloudWatchLogsClient> logs, Supplier<RdsClient> rds, Duration poll) {
        super(sender, clock, stackStatus);
        this.ecs = ecs;
        this.logs = logs;
        this.snapshots = new ClusterSnapshots(rds, poll);
        this.poll = poll;
    }

    @Override
    protected SchemaMigrationProperties parseProperties(JsonNode properties) {
        return SchemaMigrationProperties.parse(properties);
    }

    @Override
    protected Outcome create(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        migrate(request.properties(), startedBy(request.requestId()), deadline, progress, "");
        return Outcome.done();
    }

    @Override
    protected Outcome update(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        SchemaMigrationProperties p = request.properties();
        SchemaMigrationProperties old = request.oldProperties();
        if (old != null && old.taskDefinition().equals(p.taskDefinition())) {
            return Outcome.done();
        }
        Task check = runToEnd(p, "check", startedBy(request.requestId() + "/check"), deadline, progress);
        Integer exit = exitCode(check, p.containerName());
        if (exit != null && exit == 0) {
            return Outcome.done();
        }
        if (exit != null && exit == NEW_USER_STORE_NEEDED) {
            return create(request, deadline, progress);
        }
        if (exit == null || exit != SCHEMA_CHANGE_NEEDED) {
            throw new ResourceFailure("the schema check failed (image " + p.image() + "): "
                    + StoppedTask.describe(check, p.containerName(), taskLogs(p)));
        }
        List<String> deleted = upgradeWithWritersStopped(p, request, deadline, progress);
        return Outcome.done(Map.of("DeletedSnapshots", String.join(", ", deleted)));
    }

    @Override
    protected Outcome delete(CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress) {
        return Outcome.done();
    }

    /** Returns the older pre-upgrade snapshots it deleted once the upgrade succeeded. */
    private List<String> upgradeWithWritersStopped(SchemaMigrationProperties p,
            CustomResourceRequest<SchemaMigrationProperties> request, Deadline deadline, Progress progress)
            throws InterruptedException {
        Optional<Service> service = ecs.get().describeServices(r -> r.cluster(p.cluster()).services(p.service()))
                .services().stream().filter(s -> "ACTIVE".equals(s.status())).findFirst();
        String snapshot = snapshotId(request.stackName(), p.image(), request.requestId());
        if (service.isEmpty()) {
            snapshots.take(p.databaseCluster(), snapshot, deadline, progress);
            migrate(p, startedBy(request.requestId()), deadline, progress, snapshotNote(snapshot));
            return pruneSnapshots(p, request.stackName(), progress);
        }
        String previousTaskDefinition = service.get().taskDefinition();
        int desired = service.get().desiredCount();
        Deadline work = new Deadline(deadline.clock(), deadline.at().minus(RESTORE_RESERVE));
        progress.now("the tracking server's tasks to stop before the schema upgrade (service " + p.service() + ")");
        // The new task definition with no tasks: a task that anything starts meanwhile is of the new
        // version, which refuses to serve until the schema is upgraded, so never an old writer.
        ecs.get().updateService(r -> r.cluster(p.cluster()).service(p.service()).taskDefinition(p.taskDefinition())
                .desiredCount(0));
        try {
            awaitNoTasks(p, work, progress);
            snapshots.take(p.databaseCluster(), snapshot, work, progress);
            migrate(p, startedBy(request.requestId()), work, progress, snapshotNote(snapshot));
        } catch (TaskStillRunning e) {
            throw new ResourceFailure(e.getMessage() + " The service " + p.service() + " was left without tasks, so"
                    + " that no old version writes during the migration; once the task has stopped, deploy again"
                    + snapshotNote(snapshot) + ".", e);
        } catch (RuntimeException | InterruptedException e) {
            String restored = putBack(p, previousTaskDefinition, desired);
            // The reason is cut from its end to fit CloudFormation's 4 KB: what to do comes first.
            throw new ResourceFailure(restored + " " + Reasons.of(e), e);
        }
        progress.now("the service " + p.service() + " to get its " + desired + " tasks back");
        ecs.get().updateService(r -> r.cluster(p.cluster()).service(p.service()).desiredCount(desired));
        return pruneSnapshots(p, request.stackName(), progress);
    }

    /** This stack's pre-upgrade snapshots beyond the newest KeepSnapshots, deleted; never after a failure. */
    private List<String> pruneSnapshots(SchemaMigrationProperties p, String stackName, Progress progress) {
        String any = snapshotId(stackName, "x:x", "x");
        return snapshots.prune(p.databaseCluster(), any.substring(0, any.indexOf("-before-") + "-before-".length()),
                p.keepSnapshots(), progress);
    }

    private String putBack(SchemaMigrationProperties p, String taskDefinition, int desired) {
        try {
            ecs.get().updateService(r -> r.cluster(p.cluster()).service(p.service()).taskDefinition(taskDefinition)
                    .desiredCount(desired));
            return "The schema upgrade stopped and the service was put back on " + revision(taskDefinition) + " with "
                    + desired + " tasks.";
        } catch (RuntimeException e) {
            return "The schema upgrade stopped, and putting the service back on " + revision(taskDefinition) + " with "
                    + desired + " tasks failed (" + e.getMessage() + "): do it with aws ecs update-service.";
        }
    }

    /** Waits until every task of the service has stopped: tasks draining from the load balancer still write. */
    private void awaitNoTasks(SchemaMigrationProperties p, Deadline deadline, Progress progress) throws InterruptedException {
        while (true) {
            List<String> arns = new ArrayList<>();
            for (DesiredStatus status : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
                arns.addAll(ecs.get().listTasks(r -> r.cluster(p.cluster()).serviceName(p.service()).desiredStatus(status))
                        .taskArns());
            }
            List<Task> live = arns.isEmpty() ? List.of() : ecs.get().describeTasks(r -> r.cluster(p.cluster())
                    .tasks(arns.size() > 100 ? arns.subList(0, 100) : arns)).tasks().stream()
                    .filter(t -> !"STOPPED".equals(t.lastStatus())).toList();
            if (live.isEmpty()) {
                return;
            }
            progress.now(live.size() + " task(s) of service " + p.service() + " to stop before the schema upgrade");
            if (deadline.passed()) {
                throw new ResourceFailure(live.size() + " task(s) of service " + p.service()
                        + " were still stopping at the deadline; nothing was migrated.");
            }
            deadline.sleep(poll);
        }
    }

    private void migrate(SchemaMigrationProperties p, String startedBy, Deadline deadline, Progress progress, String note)
            throws InterruptedException {
        Task task = runToEnd(p, "migrate", startedBy, deadline, progress);
        if (!StoppedTask.succeeded(task, p.containerName())) {
            throw new ResourceFailure("schema migration failed (image " + p.image() + ")" + note + ": "
                    + StoppedTask.describe(task, p.containerName(), taskLogs(p)));
        }
    }

    private static String snapshotNote(String snapshot) {
        return "; the snapshot " + snapshot + " holds the database as it was before: if the migration changed part"
                + " of the schema, restore it with " + ClusterSnapshots.restoreCommand(snapshot);
    }

    /** Runs the task definition once in a mode and waits until it has stopped. */
    private Task runToEnd(SchemaMigrationProperties p, String mode, String startedBy, Deadline deadline, Progress progress)
            throws InterruptedException {
        progress.now("the schema " + mode + " task to start on cluster " + p.cluster());
        String taskArn = alreadyRunning(p, startedBy);
        if (taskArn == null) {
            taskArn = start(p, mode, startedBy);
        }
        Instant began = Instant.now();
        String taskId = TaskLogs.taskId(taskArn);
        TaskLogs taskLogs = taskLogs(p);
        while (true) {
            String arn = taskArn;
            List<Task> tasks = ecs.get().describeTasks(r -> r.cluster(p.cluster()).tasks(arn)).tasks();
            if (tasks.isEmpty()) {
                throw new ResourceFailure("the schema " + mode + " task " + taskId + " disappeared from cluster " + p.cluster());
            }
            Task task = tasks.get(0);
            if ("STOPPED".equals(task.lastStatus())) {
                return task;
            }
            progress.now("the schema " + mode + " task " + taskId + " to finish (status " + task.lastStatus()
                    + " after " + Duration.between(began, Instant.now()).toSeconds() + " s; its log: "
                    + taskLogs.location(p.containerName(), arn) + ")");
            if (deadline.passed()) {
                throw new TaskStillRunning("the schema " + mode + " task " + taskId + " was still " + task.lastStatus()
                        + " at the deadline; it was left to finish (log: " + taskLogs.location(p.containerName(), arn)
                        + "). Retry the deployment once it has stopped.");
            }
            deadline.sleep(poll);
        }
    }

    private TaskLogs taskLogs(SchemaMigrationProperties p) {
        return new TaskLogs(logs, p.logGroup(), p.logStreamPrefix());
    }

    private static Integer exitCode(Task task, String containerName) {
        Container container = StoppedTask.container(task, containerName);
        return container == null ? null : container.exitCode();
    }

    /** A one-off task outlived the deadline: it goes on, and whatever waits on it must not act as if it ended. */
    private static final class TaskStillRunning extends RuntimeException {
        TaskStillRunning(String message) {
            super(message);
        }
    }

    /** A retried invocation finds the task its first attempt started instead of starting a second one. */
    private String alreadyRunning(SchemaMigrationProperties p, String startedBy) {
        List<String> arns = ecs.get().listTasks(r -> r.cluster(p.cluster()).startedBy(startedBy)
                .desiredStatus(DesiredStatus.RUNNING)).taskArns();
        return arns.isEmpty() ? null : arns.get(0);
    }

    private String start(SchemaMigrationProperties p, String mode, String startedBy) {
        RunTaskResponse response = ecs.get().runTask(r -> r.cluster(p.cluster())
                .taskDefinition(p.taskDefinition())
                .launchType(LaunchType.FARGATE)
                .count(1)
                .startedBy(startedBy)
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(p.subnets())
                        .securityGroups(p.securityGroups()).assignPublicIp(AssignPublicIp.DISABLED)))
                .overrides(o -> o.containerOverrides(c -> c.name(p.containerName())
                        .environment(KeyValuePair.builder().name(MODE_VARIABLE).value(mode).build()))));
        if (response.tasks().isEmpty()) {
            String why = response.failures().stream().map(SchemaMigrationHandler::describe).reduce((a, b) -> a + "; " + b)
                    .orElse("ECS gave no reason");
            throw new ResourceFailure("ECS did not start the schema " + mode + " task: " + why);
        }
        return response.tasks().get(0).taskArn();
    }

    private static String describe(Failure failure) {
        return failure.reason() + (failure.detail() == null ? "" : " (" + failure.detail() + ")")
                + (failure.arn() == null ? "" : " for " + failure.arn());
    }

    private static String revision(String taskDefinitionArn) {
        return taskDefinitionArn.substring(taskDefinitionArn.lastIndexOf('/') + 1);
    }

    /** ECS's startedBy tag for one request: the same for every retry of it (at most 36 characters). */
    static String startedBy(String requestId) {
        return "dmlflow-schema-" + hash(requestId, 10);
    }

    /**
     * The snapshot's name: the stack, the MLflow version it was taken for, and the request (so a
     * retry finds it). RDS wants a letter first, letters, digits and single hyphens, at most 255.
     */
    static String snapshotId(String stackName, String image, String requestId) {
        String tag = image.substring(image.lastIndexOf(':') + 1);
        // RDS stores identifiers lower-cased; the function's policy names the prefix dmlflow- in lower case.
        String name = (SNAPSHOT_PREFIX + stackName + "-before-" + tag).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        name = (name.length() > 200 ? name.substring(0, 200) : name).replaceAll("-+$", "");
        return name + "-" + hash(requestId, 4);
    }

    private static String hash(String text, int bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}

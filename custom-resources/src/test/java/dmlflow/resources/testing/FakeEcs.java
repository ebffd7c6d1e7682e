package dmlflow.resources.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.DescribeServicesRequest;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTasksRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.ListTasksRequest;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskStopCode;
import software.amazon.awssdk.services.ecs.model.UpdateServiceRequest;
import software.amazon.awssdk.services.ecs.model.UpdateServiceResponse;

/**
 * A stand-in for ECS where no emulator can go: tasks that stop with exit codes and stop reasons,
 * deployments that roll out. A test scripts how the world changes at every poll.
 */
public final class FakeEcs implements EcsClient {
    public static final String CLUSTER = "mlflow-TrackingCluster";
    public static final String TASK_DEFINITION = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mlflow-mlflow:7";
    public static final String DEPLOYMENT = "ecs-svc/1234567890123456789";

    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private Service service;
    private final List<String> draining = new ArrayList<>();
    private int polls;
    private int taskCounter;
    private Consumer<FakeEcs> everyPoll = ecs -> { };
    public final List<RunTaskRequest> runTasks = new ArrayList<>();
    /** What was asked of ECS, in order, in words: "RunTask check", "UpdateService ... desired 0", … */
    public final List<String> calls = new ArrayList<>();
    private final Map<String, Integer> exitCodeByMode = new LinkedHashMap<>();
    /** How many of the service's tasks had not stopped when a one-off task of each mode was started. */
    public final Map<String, Long> serviceTasksLiveAtRunTask = new LinkedHashMap<>();

    /** One-off tasks run in these DMLFLOW_MODEs stop at once with these exit codes. */
    public synchronized void oneOffTasksExit(Map<String, Integer> exitCodes) {
        exitCodeByMode.putAll(exitCodes);
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    public synchronized void onEveryPoll(Consumer<FakeEcs> change) {
        everyPoll = change;
    }

    public synchronized int polls() {
        return polls;
    }

    public synchronized Task task(String arn) {
        return tasks.get(arn);
    }

    public synchronized void put(Task task) {
        tasks.put(task.taskArn(), task);
    }

    public synchronized String newTaskArn() {
        taskCounter++;
        return "arn:aws:ecs:eu-west-1:123456789012:task/" + CLUSTER + "/0a1b2c3d4e5f" + String.format("%08d", taskCounter);
    }

    /** A task of the service's current deployment, running at a private address. */
    public synchronized Task running(String address) {
        Task task = Task.builder().taskArn(newTaskArn()).taskDefinitionArn(TASK_DEFINITION).startedBy(DEPLOYMENT)
                .lastStatus("RUNNING").desiredStatus("RUNNING")
                .attachments(Attachment.builder().type("ElasticNetworkInterface").details(
                        KeyValuePair.builder().name("privateIPv4Address").value(address).build()).build())
                .containers(Container.builder().name("mlflow").lastStatus("RUNNING").build())
                .build();
        put(task);
        return task;
    }

    /** A task of the current deployment whose container died. */
    public synchronized Task crashed(int exitCode, String reason) {
        Task task = Task.builder().taskArn(newTaskArn()).taskDefinitionArn(TASK_DEFINITION).startedBy(DEPLOYMENT)
                .lastStatus("STOPPED").desiredStatus("STOPPED")
                .stopCode(TaskStopCode.ESSENTIAL_CONTAINER_EXITED)
                .stoppedReason(reason)
                .stoppedAt(Instant.now())
                .containers(Container.builder().name("mlflow").lastStatus("STOPPED").exitCode(exitCode).build())
                .build();
        put(task);
        return task;
    }

    public synchronized void service(int desired, int running, DeploymentRolloutState state) {
        service = Service.builder().serviceName("mlflow-mlflow").status("ACTIVE").desiredCount(desired)
                .taskDefinition(TASK_DEFINITION)
                .runningCount(running)
                .deployments(Deployment.builder().id(DEPLOYMENT).status("PRIMARY").taskDefinition(TASK_DEFINITION)
                        .desiredCount(desired).runningCount(running).rolloutState(state).build())
                .build();
    }

    /** An earlier deployment (ACTIVE, an older revision) beside the current one, as during a rolling update, or not. */
    public synchronized void earlierDeployment(boolean draining) {
        List<Deployment> deployments = new ArrayList<>(service.deployments().subList(0, 1));
        if (draining) {
            deployments.add(Deployment.builder().id("ecs-svc/older").status("ACTIVE")
                    .taskDefinition(TASK_DEFINITION.replace(":7", ":6")).desiredCount(0).runningCount(1).build());
        }
        service = service.toBuilder().deployments(deployments).build();
    }

    @Override
    public synchronized DescribeServicesResponse describeServices(DescribeServicesRequest request) {
        polls++;
        everyPoll.accept(this);
        if (service == null) {
            return DescribeServicesResponse.builder()
                    .failures(Failure.builder().arn(request.services().get(0)).reason("MISSING").build()).build();
        }
        return DescribeServicesResponse.builder().services(service).build();
    }

    @Override
    public synchronized ListTasksResponse listTasks(ListTasksRequest request) {
        String wanted = request.desiredStatus() == null ? DesiredStatus.RUNNING.toString() : request.desiredStatus().toString();
        List<String> arns = tasks.values().stream()
                .filter(t -> wanted.equals(t.desiredStatus()))
                .filter(t -> request.startedBy() == null || request.startedBy().equals(t.startedBy()))
                // A service's tasks are started by its deployments (ecs-svc/…); one-off tasks are not the service's.
                .filter(t -> request.serviceName() == null || String.valueOf(t.startedBy()).startsWith("ecs-svc/"))
                .map(Task::taskArn).toList();
        return ListTasksResponse.builder().taskArns(arns).build();
    }

    @Override
    public synchronized DescribeTasksResponse describeTasks(DescribeTasksRequest request) {
        if (service == null) {
            polls++;
            everyPoll.accept(this);
        }
        for (String arn : List.copyOf(draining)) {
            if (request.tasks().contains(arn)) {
                Task before = tasks.get(arn);
                put(before.toBuilder().lastStatus("STOPPED").stoppedAt(Instant.now()).build());
                draining.remove(arn);
                calls.add("stopped " + arn.substring(arn.lastIndexOf('/') + 1));
                return DescribeTasksResponse.builder().tasks(request.tasks().stream().map(tasks::get)
                        .filter(t -> t != null).map(t -> t.taskArn().equals(arn) ? before : t).toList()).build();
            }
        }
        return DescribeTasksResponse.builder()
                .tasks(request.tasks().stream().map(tasks::get).filter(t -> t != null).toList()).build();
    }

    @Override
    public synchronized RunTaskResponse runTask(RunTaskRequest request) {
        runTasks.add(request);
        String mode = request.overrides().containerOverrides().get(0).environment().get(0).value();
        long live = tasks.values().stream().filter(t -> DEPLOYMENT.equals(t.startedBy()) && !"STOPPED".equals(t.lastStatus()))
                .count();
        calls.add("RunTask " + mode);
        serviceTasksLiveAtRunTask.put(mode, live);
        Task task = Task.builder().taskArn(newTaskArn()).taskDefinitionArn(request.taskDefinition())
                .startedBy(request.startedBy()).lastStatus("PROVISIONING").desiredStatus("RUNNING")
                .containers(Container.builder().name("mlflow").lastStatus("PENDING").build()).build();
        if (exitCodeByMode.containsKey(mode)) {
            task = task.toBuilder().lastStatus("STOPPED").desiredStatus("STOPPED")
                    .stopCode(TaskStopCode.ESSENTIAL_CONTAINER_EXITED).stoppedReason("Essential container in task exited")
                    .containers(Container.builder().name("mlflow").lastStatus("STOPPED").exitCode(exitCodeByMode.get(mode))
                            .build()).build();
        }
        put(task);
        return RunTaskResponse.builder().tasks(task).build();
    }

    /**
     * As ECS does it (Amazon ECS Developer Guide, "Task lifecycle"): a smaller desired count marks
     * tasks to stop; they drain from the load balancer (DEACTIVATING) before they are STOPPED, which
     * a following DescribeTasks sees.
     */
    @Override
    public synchronized UpdateServiceResponse updateService(UpdateServiceRequest request) {
        calls.add("UpdateService" + (request.taskDefinition() == null ? "" : " " + request.taskDefinition())
                + (request.desiredCount() == null ? "" : " desired " + request.desiredCount()));
        if (service != null) {
            Service.Builder changed = service.toBuilder();
            if (request.taskDefinition() != null) {
                changed.taskDefinition(request.taskDefinition());
            }
            if (request.desiredCount() != null) {
                changed.desiredCount(request.desiredCount());
            }
            service = changed.build();
        }
        if (Integer.valueOf(0).equals(request.desiredCount())) {
            for (Task task : List.copyOf(tasks.values())) {
                if (DEPLOYMENT.equals(task.startedBy()) && "RUNNING".equals(task.desiredStatus())) {
                    put(task.toBuilder().desiredStatus("STOPPED").lastStatus("DEACTIVATING").build());
                    draining.add(task.taskArn());
                }
            }
        }
        return UpdateServiceResponse.builder().service(service).build();
    }

    @Override
    public String serviceName() {
        return "ecs";
    }

    @Override
    public void close() {
    }
}

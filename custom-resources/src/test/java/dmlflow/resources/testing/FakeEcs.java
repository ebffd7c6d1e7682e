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
    private int polls;
    private int taskCounter;
    private Consumer<FakeEcs> everyPoll = ecs -> { };
    public final List<RunTaskRequest> runTasks = new ArrayList<>();

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
                .runningCount(running)
                .deployments(Deployment.builder().id(DEPLOYMENT).status("PRIMARY").taskDefinition(TASK_DEFINITION)
                        .desiredCount(desired).runningCount(running).rolloutState(state).build())
                .build();
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
                .map(Task::taskArn).toList();
        return ListTasksResponse.builder().taskArns(arns).build();
    }

    @Override
    public synchronized DescribeTasksResponse describeTasks(DescribeTasksRequest request) {
        if (service == null) {
            polls++;
            everyPoll.accept(this);
        }
        return DescribeTasksResponse.builder()
                .tasks(request.tasks().stream().map(tasks::get).filter(t -> t != null).toList()).build();
    }

    @Override
    public synchronized RunTaskResponse runTask(RunTaskRequest request) {
        runTasks.add(request);
        Task task = Task.builder().taskArn(newTaskArn()).taskDefinitionArn(request.taskDefinition())
                .startedBy(request.startedBy()).lastStatus("PROVISIONING").desiredStatus("RUNNING")
                .containers(Container.builder().name("mlflow").lastStatus("PENDING").build()).build();
        put(task);
        return RunTaskResponse.builder().tasks(task).build();
    }

    @Override
    public String serviceName() {
        return "ecs";
    }

    @Override
    public void close() {
    }
}

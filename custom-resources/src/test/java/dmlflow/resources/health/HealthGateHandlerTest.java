package dmlflow.resources.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.protocol.HttpAnswerSender;
import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.ContainerLogs;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.FakeContext;
import dmlflow.resources.testing.FakeEcs;
import dmlflow.resources.testing.FakeTargets;
import dmlflow.resources.testing.MlflowStub;
import java.time.Duration;
import java.time.Instant;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Custom::MlflowHealth: ECS and the target group stubbed (stopped reasons, exit codes, health
 * states), container logs in moto_server, /health and /version from a real HTTP server.
 */
class HealthGateHandlerTest {
    private static final Duration POLL = Duration.ofMillis(50);
    /** As CloudFormation gives a load balancer's DNS name: with capitals, which MLflow matches exactly. */
    static final String ALB = "mlflow-LoadB-ABC123-456789.eu-west-1.elb.amazonaws.com";

    private AnswerServer server;
    private MlflowStub mlflow;
    private FakeEcs ecs;
    private FakeTargets targets;
    private ContainerLogs logs;
    /** What DescribeStacks says of the stack; moto cannot put a stack into UPDATE_ROLLBACK_IN_PROGRESS. */
    private String stackStatus = "CREATE_IN_PROGRESS";

    @BeforeEach
    void fixture() throws Exception {
        server = new AnswerServer();
        mlflow = new MlflowStub(List.of(ALB));
        ecs = new FakeEcs();
        targets = new FakeTargets();
        logs = new ContainerLogs();
    }

    @AfterEach
    void stop() {
        server.close();
        mlflow.close();
    }

    private ObjectNode event(int timeoutSeconds) {
        ObjectNode event = Events.load("health-create.json", server.url());
        Events.properties(event).put("TrackingUri", mlflow.url());
        Events.properties(event).put("TrackingHost", ALB);
        Events.properties(event).put("LogGroup", logs.group());
        Events.properties(event).put("TimeoutSeconds", String.valueOf(timeoutSeconds));
        return event;
    }

    private JsonNode invoke(ObjectNode event, Duration lambdaTimeout) throws Exception {
        HealthGateHandler handler = new HealthGateHandler(new HttpAnswerSender(), Clock.systemUTC(), stackId -> stackStatus, () -> ecs,
                () -> targets, new Lazy<>(AwsClients::logs), POLL);
        Events.invoke(handler, event, new FakeContext(lambdaTimeout));
        return server.onlyAnswer().json();
    }

    private void serviceHealthy() {
        ecs.service(1, 1, DeploymentRolloutState.IN_PROGRESS);
        Task task = ecs.running("10.0.3.7");
        logs.write(task.taskArn(), List.of("dmlflow: MLflow 3.17.0", "dmlflow: starting MLflow 3.17.0 (auth: basic)"));
        targets.healthy("10.0.3.7");
    }

    @Test
    void aHealthyServiceSucceedsAtOnceWithMlflowsVersion() throws Exception {
        serviceHealthy();
        JsonNode answer = invoke(event(60), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("Data").path("MlflowVersion").asText()).isEqualTo("3.17.0");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-HealthGate");
        assertThat(ecs.polls()).isEqualTo(1);
    }

    @Test
    void theGateWaitsUntilTheEarlierDeploymentsTasksHaveStopped() throws Exception {
        serviceHealthy();
        ecs.earlierDeployment(true);
        ecs.onEveryPoll(fake -> {
            if (fake.polls() == 3) {
                fake.earlierDeployment(false);
            }
        });
        JsonNode answer = invoke(event(60), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.polls()).isEqualTo(3);
    }

    @Test
    void theVersionComesFromTheImageTagWhenTheContainerLoggedNone() throws Exception {
        ecs.service(1, 1, DeploymentRolloutState.IN_PROGRESS);
        ecs.running("10.0.3.7");
        targets.healthy("10.0.3.7");
        JsonNode answer = invoke(event(60), Duration.ofSeconds(30));
        assertThat(answer.path("Data").path("MlflowVersion").asText()).isEqualTo("3.16.1");
    }

    @Test
    void aHostMlflowRefusesFailsAtOnceNamingDomainName() throws Exception {
        serviceHealthy();
        ObjectNode event = event(600);
        Events.properties(event).put("TrackingHost", "mlflow.example.com");
        Instant began = Instant.now();
        JsonNode answer = invoke(event, Duration.ofSeconds(60));
        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("mlflow.example.com", "403", "DomainName");
    }

    @Test
    void anUpdateDuringARollbackAnswersAtOnceWithTheOldImagesVersionAndLooksAtNothing() throws Exception {
        stackStatus = "UPDATE_ROLLBACK_IN_PROGRESS";
        ObjectNode event = event(600);
        Events.asUpdate(event, "mlflow-HealthGate").put("Image", "ghcr.io/mlflow/mlflow:v3.18.0-full");
        JsonNode answer = invoke(event, Duration.ofSeconds(60));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-HealthGate");
        assertThat(answer.path("Data").path("MlflowVersion").asText()).isEqualTo("3.16.1");
        assertThat(ecs.polls()).isZero();
    }

    @Test
    void anOrdinaryUpdateWaitsForTheNewTasks() throws Exception {
        stackStatus = "UPDATE_IN_PROGRESS";
        serviceHealthy();
        ObjectNode event = event(60);
        Events.asUpdate(event, "mlflow-HealthGate");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.polls()).isEqualTo(1);
    }

    @Test
    void aServiceNotYetCreatedIsWaitedForUntilItIsHealthy() throws Exception {
        ecs.onEveryPoll(fake -> {
            switch (fake.polls()) {
                case 3 -> fake.service(1, 0, DeploymentRolloutState.IN_PROGRESS);
                case 5 -> {
                    fake.service(1, 1, DeploymentRolloutState.IN_PROGRESS);
                    fake.running("10.0.3.9");
                }
                case 7 -> targets.healthy("10.0.3.9");
                default -> { }
            }
        });
        JsonNode answer = invoke(event(60), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.polls()).isEqualTo(7);
    }

    @Test
    void aCrashLoopFailsWithinAFewPollsWithTheContainersOwnError() throws Exception {
        ecs.service(1, 0, DeploymentRolloutState.IN_PROGRESS);
        ecs.onEveryPoll(fake -> {
            Task task = fake.crashed(1, "Essential container in task exited");
            logs.write(task.taskArn(), List.of("dmlflow: starting MLflow (auth: basic, allowed hosts: x)",
                    "Traceback (most recent call last):",
                    "MlflowException: Detected out-of-date database schema (found version 1bd49d398cd23, but expected 6953534de441)."));
        });
        Instant began = Instant.now();
        JsonNode answer = invoke(event(600), Duration.ofSeconds(60));

        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(ecs.polls()).isLessThanOrEqualTo(HealthGateHandler.FAILED_TASKS_LIMIT);
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText())
                .startsWith("the tracking server does not start: 2 tasks of mlflow-mlflow:7 stopped in failure")
                .contains("Essential container in task exited", "exit code 1")
                .contains("Detected out-of-date database schema");
    }

    @Test
    void aFailedRolloutFailsAtOnce() throws Exception {
        ecs.service(1, 0, DeploymentRolloutState.FAILED);
        JsonNode answer = invoke(event(600), Duration.ofSeconds(30));
        assertThat(answer.path("Reason").asText()).contains("the deployment of mlflow-mlflow:7 failed");
        assertThat(ecs.polls()).isEqualTo(1);
    }

    @Test
    void failuresOfAnOlderDeploymentDoNotCount() throws Exception {
        for (int i = 0; i < 3; i++) {
            ecs.put(ecs.crashed(1, "Essential container in task exited").toBuilder().startedBy("ecs-svc/older").build());
        }
        serviceHealthy();
        JsonNode answer = invoke(event(60), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
    }

    @Test
    void neverHealthyFailsAtTheTimeoutSayingWhatWasNotMet() throws Exception {
        ecs.service(1, 1, DeploymentRolloutState.IN_PROGRESS);
        ecs.running("10.0.3.7");
        mlflow.health(503);
        Instant began = Instant.now();
        JsonNode answer = invoke(event(2), Duration.ofSeconds(30));

        Duration took = Duration.between(began, Instant.now());
        assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(6));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText())
                .startsWith("the tracking server was not healthy after 2 s (HealthCheckTimeoutSeconds 2)")
                .contains("0 of 1 tasks healthy in the target group")
                .contains(mlflow.url() + "/health to answer 200 (it answered 503)");
    }

    @Test
    void aServiceThatNeverAppearsIsNamedAtTheTimeout() throws Exception {
        JsonNode answer = invoke(event(1), Duration.ofSeconds(30));
        assertThat(answer.path("Reason").asText()).contains("the service mlflow-mlflow to be created");
    }

    @Test
    void theLambdaDeadlineWinsOverALongerTimeoutSetting() throws Exception {
        ecs.service(1, 0, DeploymentRolloutState.IN_PROGRESS);
        Instant began = Instant.now();
        JsonNode answer = invoke(event(600), Duration.ofSeconds(4));
        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(4));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("0 of 1 tasks of mlflow-mlflow:7 running");
    }

    @Test
    void deleteAnswersAtOnceWithoutLooking() throws Exception {
        ObjectNode event = event(600);
        event.put("RequestType", "Delete");
        event.put("PhysicalResourceId", "mlflow-HealthGate");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(ecs.polls()).isZero();
    }

    @Test
    void theTemplateSendsWhatThisHandlerReads() throws Exception {
        dmlflow.resources.testing.TemplateContract.assertServedBy(HealthGateProperties.TYPE, HealthGateHandler.class, HealthGateProperties.NAMES);
    }
}

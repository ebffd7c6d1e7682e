package dmlflow.resources.schema;

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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskStopCode;

/** Custom::MlflowSchema with ECS stubbed (exit codes) and the container's log in moto_server. */
class SchemaMigrationHandlerTest {
    private AnswerServer server;
    private FakeEcs ecs;
    private ContainerLogs logs;

    @BeforeEach
    void fixture() throws Exception {
        server = new AnswerServer();
        ecs = new FakeEcs();
        logs = new ContainerLogs();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode invoke(ObjectNode event, Duration timeout) throws Exception {
        SchemaMigrationHandler handler = new SchemaMigrationHandler(new HttpAnswerSender(), Clock.systemUTC(),
                () -> ecs, new Lazy<>(AwsClients::logs), Duration.ofMillis(20));
        Events.properties(event).put("LogGroup", logs.group());
        Events.invoke(handler, event, new FakeContext(timeout));
        return server.onlyAnswer().json();
    }

    /** The migration task runs for a few polls, then stops with this exit code. */
    private void migrationEndsWith(int exitCode, List<String> logLines) {
        ecs.onEveryPoll(fake -> fake.runTasks.forEach(run -> { }));
        ecs.onEveryPoll(fake -> {
            if (fake.polls() == 3) {
                String arn = fake.listTasks(r -> r.startedBy(fake.runTasks.get(0).startedBy())).taskArns().get(0);
                Task before = fake.task(arn);
                logs.write(arn, logLines);
                fake.put(before.toBuilder().lastStatus("STOPPED").desiredStatus("STOPPED")
                        .stopCode(TaskStopCode.ESSENTIAL_CONTAINER_EXITED)
                        .stoppedReason("Essential container in task exited")
                        .containers(Container.builder().name("mlflow").lastStatus("STOPPED").exitCode(exitCode).build())
                        .build());
            }
        });
    }

    @Test
    void aCleanMigrationRunsTheTaskOnceInMigrateModeAndSucceeds() throws Exception {
        migrationEndsWith(0, List.of("dmlflow: schemas are up to date"));
        JsonNode answer = invoke(Events.load("schema-create.json", server.url()), Duration.ofSeconds(30));

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.runTasks).hasSize(1);
        var run = ecs.runTasks.get(0);
        assertThat(run.taskDefinition()).isEqualTo(FakeEcs.TASK_DEFINITION);
        assertThat(run.launchTypeAsString()).isEqualTo("FARGATE");
        assertThat(run.networkConfiguration().awsvpcConfiguration().subnets()).hasSize(2);
        assertThat(run.networkConfiguration().awsvpcConfiguration().assignPublicIpAsString()).isEqualTo("DISABLED");
        assertThat(run.overrides().containerOverrides().get(0).name()).isEqualTo("mlflow");
        assertThat(run.overrides().containerOverrides().get(0).environment())
                .containsExactly(KeyValuePair.builder().name("DMLFLOW_MODE").value("migrate").build());
    }

    @Test
    void aFailedMigrationFailsWithItsExitCodeAndLastLogLines() throws Exception {
        migrationEndsWith(1, List.of("Traceback (most recent call last):",
                "  File \"/usr/local/bin/mlflow\", line 8, in <module>",
                "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (1142, \"TRIGGER command denied to user 'mlflow'\")"));
        JsonNode answer = invoke(Events.load("schema-create.json", server.url()), Duration.ofSeconds(30));

        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("PhysicalResourceId").asText()).startsWith("dmlflow-failed-create-");
        assertThat(answer.path("Reason").asText())
                .contains("schema migration failed (image ghcr.io/mlflow/mlflow:v3.17.0-full)")
                .contains("Essential container in task exited")
                .contains("exit code 1")
                .contains("TRIGGER command denied to user 'mlflow'")
                .contains(logs.group() + "/mlflow/mlflow/");
    }

    @Test
    void aTaskThatECSCannotStartIsReportedWithECSsReason() throws Exception {
        ecs.onEveryPoll(fake -> {
            String arn = fake.runTasks.isEmpty() ? null
                    : fake.listTasks(r -> r.startedBy(fake.runTasks.get(0).startedBy())).taskArns().stream().findFirst().orElse(null);
            if (arn != null) {
                fake.put(fake.task(arn).toBuilder().lastStatus("STOPPED").desiredStatus("STOPPED")
                        .stopCode(TaskStopCode.TASK_FAILED_TO_START)
                        .stoppedReason("CannotPullContainerError: pull image manifest has been retried 5 time(s): ghcr.io/mlflow/mlflow:v9.9.9-full: not found")
                        .containers(Container.builder().name("mlflow").lastStatus("STOPPED").build()).build());
            }
        });
        JsonNode answer = invoke(Events.load("schema-create.json", server.url()), Duration.ofSeconds(30));
        assertThat(answer.path("Reason").asText()).contains("CannotPullContainerError", "not found", "the container wrote nothing");
    }

    @Test
    void aMigrationStillRunningAtTheDeadlineIsLeftAloneAndNamed() throws Exception {
        JsonNode answer = invoke(Events.load("schema-create.json", server.url()), Duration.ofSeconds(3));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("still PROVISIONING at the deadline", "left to finish");
    }

    @Test
    void aRetriedInvocationFindsTheRunningTaskInsteadOfStartingAnother() throws Exception {
        String startedBy = SchemaMigrationHandler.startedBy("9f3b2a1c-6d5e-4f70-8a9b-0c1d2e3f4a66");
        String arn = ecs.newTaskArn();
        ecs.put(Task.builder().taskArn(arn).startedBy(startedBy).lastStatus("RUNNING").desiredStatus("RUNNING")
                .containers(Container.builder().name("mlflow").build()).build());
        ecs.onEveryPoll(fake -> {
            if (fake.polls() == 2) {
                fake.put(fake.task(arn).toBuilder().lastStatus("STOPPED").desiredStatus("STOPPED")
                        .containers(Container.builder().name("mlflow").exitCode(0).build()).build());
            }
        });
        JsonNode answer = invoke(Events.load("schema-create.json", server.url()), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(ecs.runTasks).isEmpty();
    }

    @Test
    void deleteRunsNothing() throws Exception {
        ObjectNode event = Events.load("schema-create.json", server.url());
        event.put("RequestType", "Delete");
        event.put("PhysicalResourceId", "mlflow-SchemaMigration");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(ecs.runTasks).isEmpty();
    }

    @Test
    void theTemplateSendsWhatThisHandlerReads() throws Exception {
        dmlflow.resources.testing.TemplateContract.assertServedBy(SchemaMigrationProperties.TYPE, SchemaMigrationHandler.class, SchemaMigrationProperties.NAMES);
    }
}

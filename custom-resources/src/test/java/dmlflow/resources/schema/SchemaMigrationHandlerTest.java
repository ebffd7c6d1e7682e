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
import java.util.Map;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.rds.RdsClient;
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
    private static final String NEW_TASK_DEFINITION = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mlflow-mlflow:8";
    private RdsClient rds;
    private String databaseCluster;
    /** What DescribeStacks says of the stack; moto cannot put a stack into UPDATE_ROLLBACK_IN_PROGRESS. */
    private String stackStatus = "CREATE_IN_PROGRESS";

    @BeforeEach
    void fixture() throws Exception {
        server = new AnswerServer();
        ecs = new FakeEcs();
        logs = new ContainerLogs();
        rds = AwsClients.rds();
        databaseCluster = "mlflow-db-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        rds.createDBCluster(r -> r.dbClusterIdentifier(databaseCluster).engine("aurora-mysql")
                .masterUsername("dmlflow_admin").masterUserPassword("not-used-here-1"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode invoke(ObjectNode event, Duration timeout) throws Exception {
        SchemaMigrationHandler handler = new SchemaMigrationHandler(new HttpAnswerSender(), Clock.systemUTC(), stackId -> stackStatus,
                () -> ecs, new Lazy<>(AwsClients::logs), () -> {
                    ecs.calls.add("RDS");
                    return rds;
                }, Duration.ofMillis(20));
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

    /** An Update from the image in the fixture to this one. */
    private ObjectNode imageUpdate(String newImage) {
        ObjectNode event = Events.load("schema-create.json", server.url());
        event.put("RequestId", java.util.UUID.randomUUID().toString());
        Events.asUpdate(event, "mlflow-SchemaMigration");
        Events.properties(event).put("Image", newImage).put("TaskDefinition", NEW_TASK_DEFINITION)
                .put("DatabaseCluster", databaseCluster);
        return event;
    }

    private List<String> snapshots() {
        return rds.describeDBClusterSnapshots(r -> r.dbClusterIdentifier(databaseCluster).snapshotType("manual"))
                .dbClusterSnapshots().stream()
                .map(s -> s.dbClusterSnapshotIdentifier()).toList();
    }

    @Test
    void snapshotNamesAreWhatRdsAndThePolicyAccept() {
        assertThat(SchemaMigrationHandler.snapshotId("My--Mlflow", "ghcr.io/mlflow/mlflow:v3.18.0-full", "r"))
                .startsWith("dmlflow-my-mlflow-before-v3-18-0-full-").matches("[a-z](-?[a-z0-9])*");
        assertThat(SchemaMigrationHandler.snapshotId("x".repeat(300), "img:1", "r")).hasSizeLessThan(256);
    }

    @Test
    void anUpdateThatKeepsTheTaskDefinitionRunsNothing() throws Exception {
        ObjectNode event = imageUpdate("ghcr.io/mlflow/mlflow:v3.17.0-full");
        Events.properties(event).put("TaskDefinition", FakeEcs.TASK_DEFINITION);
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.calls()).isEmpty();
    }

    @Test
    void aNewImageWhoseSchemaIsAlreadyCurrentIsAPlainRollingUpdate() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", 0));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.17.1-full"), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.calls()).containsExactly("RunTask check");
        assertThat(snapshots()).isEmpty();
    }

    @Test
    void aNewImageThatNeedsAMigrationStopsEveryWriterThenSnapshotsThenMigratesThenServesTheNewVersion() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", SchemaMigrationHandler.SCHEMA_CHANGE_NEEDED, "migrate", 0));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.18.0-full"), Duration.ofSeconds(30));

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        List<String> calls = ecs.calls();
        assertThat(calls).containsSubsequence("RunTask check", "UpdateService " + NEW_TASK_DEFINITION + " desired 0",
                "RDS", "RunTask migrate", "UpdateService desired 2");
        assertThat(ecs.serviceTasksLiveAtRunTask).as("no migration while a task of the service still ran")
                .containsEntry("check", 2L).containsEntry("migrate", 0L);
        int migrate = calls.indexOf("RunTask migrate");
        assertThat(calls.subList(0, migrate)).as("the snapshot is taken and available before").contains("RDS");
        assertThat(calls.subList(migrate, calls.indexOf("UpdateService desired 2"))).as("and nothing of RDS meanwhile")
                .doesNotContain("RDS");
        assertThat(calls.stream().filter(c -> c.startsWith("stopped "))).hasSize(2);
        assertThat(snapshots()).singleElement().asString().startsWith("dmlflow-mlflow-before-v3-18-0-full-");
    }

    /**
     * Pre-upgrade snapshots are manual ones: they outlive the stack and count against the account's
     * quota. After a successful upgrade the newest KeepSnapshots of this stack's stay, older ones
     * go, and the answer lists them; another stack's and a person's own snapshots are never touched.
     */
    @Test
    void aSuccessfulUpgradeKeepsTheNewestPreUpgradeSnapshotsAndDeletesOlderOnesOfThisStackOnly() throws Exception {
        for (String name : List.of("dmlflow-mlflow-before-v3-15-0-full-aaaa", "dmlflow-other-before-v3-15-0-full-bbbb",
                "made-by-hand", "dmlflow-mlflow-before-v3-16-0-full-cccc", "dmlflow-mlflow-before-v3-17-0-full-dddd")) {
            rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(databaseCluster).dbClusterSnapshotIdentifier(name));
            Thread.sleep(1100);
        }
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", SchemaMigrationHandler.SCHEMA_CHANGE_NEEDED, "migrate", 0));
        ObjectNode event = imageUpdate("ghcr.io/mlflow/mlflow:v3.18.0-full");
        Events.properties(event).put("KeepSnapshots", "2");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(snapshots()).hasSize(4).contains("dmlflow-mlflow-before-v3-17-0-full-dddd",
                "dmlflow-other-before-v3-15-0-full-bbbb", "made-by-hand")
                .anyMatch(name -> name.startsWith("dmlflow-mlflow-before-v3-18-0-full-"))
                .doesNotContain("dmlflow-mlflow-before-v3-15-0-full-aaaa", "dmlflow-mlflow-before-v3-16-0-full-cccc");
        assertThat(answer.path("Data").path("DeletedSnapshots").asText())
                .isEqualTo("dmlflow-mlflow-before-v3-16-0-full-cccc, dmlflow-mlflow-before-v3-15-0-full-aaaa");
    }

    @Test
    void aFailedMigrationNamesItsSnapshotAndHowToRestoreItAndPutsTheServiceBack() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", SchemaMigrationHandler.SCHEMA_CHANGE_NEEDED, "migrate", 1));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.18.0-full"), Duration.ofSeconds(30));

        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        String snapshot = snapshots().get(0);
        assertThat(answer.path("Reason").asText())
                .startsWith("The schema upgrade stopped and the service was put back on mlflow-mlflow:7 with 2 tasks."
                        + " schema migration failed (image ghcr.io/mlflow/mlflow:v3.18.0-full); the snapshot " + snapshot
                        + " holds the database as it was before: if the migration changed part of the schema, restore it"
                        + " with aws rds restore-db-cluster-from-snapshot --snapshot-identifier " + snapshot)
                .contains("exit code 1");
        assertThat(ecs.calls()).endsWith("UpdateService " + FakeEcs.TASK_DEFINITION + " desired 2");
    }

    @Test
    void turningBasicAuthOnLaysTheUserStoreWhileTheServerServes() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", SchemaMigrationHandler.NEW_USER_STORE_NEEDED, "migrate", 0));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.17.0-full"), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(ecs.calls()).containsExactly("RunTask check", "RunTask migrate");
        assertThat(snapshots()).isEmpty();
    }

    @Test
    void aMigrationStillRunningAtTheDeadlineLeavesTheServiceWithoutTasks() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", SchemaMigrationHandler.SCHEMA_CHANGE_NEEDED));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.18.0-full"), Duration.ofSeconds(25));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("the schema migrate task", "was still",
                "was left without tasks, so that no old version writes during the migration");
        assertThat(ecs.calls()).doesNotContain("UpdateService " + FakeEcs.TASK_DEFINITION + " desired 2")
                .last().isEqualTo("RunTask migrate");
    }

    @Test
    void aDatabaseNewerThanTheImageIsNotTouched() throws Exception {
        servingTwoTasks();
        ecs.oneOffTasksExit(Map.of("check", 65));
        JsonNode answer = invoke(imageUpdate("ghcr.io/mlflow/mlflow:v3.16.0-full"), Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("the schema check failed", "exit code 65");
        assertThat(ecs.calls()).containsExactly("RunTask check");
        assertThat(snapshots()).isEmpty();
    }

    private void servingTwoTasks() {
        ecs.service(2, 2, DeploymentRolloutState.COMPLETED);
        ecs.running("10.0.3.7");
        ecs.running("10.0.4.8");
    }

    @Test
    void anUpdateDuringARollbackNeverRunsTheOldImagesMigration() throws Exception {
        stackStatus = "UPDATE_ROLLBACK_IN_PROGRESS";
        ObjectNode event = Events.load("schema-create.json", server.url());
        Events.asUpdate(event, "mlflow-SchemaMigration").put("Image", "ghcr.io/mlflow/mlflow:v3.18.0-full");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-SchemaMigration");
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

package dmlflow.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.EcsStub;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.testing.MotoServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as Lambda gets it, in a fresh JVM with only that jar on the class path, its
 * production constructors reaching moto_server and MariaDB through AWS_ENDPOINT_URL: what
 * shading dropped or broke shows here.
 */
class JarIT {
    private static final Path JAR = Path.of("target/custom-resources.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer moto;
    private static MariaDbServer mariadb;

    @TempDir
    Path dir;
    private AnswerServer server;

    @BeforeAll
    static void servers() {
        moto = MotoServer.start();
        mariadb = MariaDbServer.start();
    }

    @BeforeEach
    void answers() throws Exception {
        server = new AnswerServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode run(String handler, ObjectNode event, String... environment) throws Exception {
        return finish(start(handler, event, 60, environment));
    }

    private Process start(String handler, ObjectNode event, int timeoutSeconds, String... environment) throws Exception {
        Path file = dir.resolve("event.json");
        Files.writeString(file, event.toString());
        List<String> command = new ArrayList<>(List.of("java", "-cp", JAR.toAbsolutePath().toString(),
                "dmlflow.resources.LocalInvoke", handler, file.toString(), String.valueOf(timeoutSeconds)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log.txt").toFile());
        builder.environment().put("AWS_ENDPOINT_URL", moto.url());
        builder.environment().put("AWS_REGION", "eu-west-1");
        builder.environment().put("AWS_ACCESS_KEY_ID", "testing");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
        for (int i = 0; i + 1 < environment.length; i += 2) {
            builder.environment().put(environment[i], environment[i + 1]);
        }
        return builder.start();
    }

    private JsonNode finish(Process process) throws Exception {
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(dir.resolve("log.txt"));
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(log).contains("\"event\":\"custom-resource\"").doesNotContain("SLF4J");
        return server.onlyAnswer().json();
    }

    @Test
    void theJarIsSmallEnoughToShipAndHoldsNoNettyOrApacheClient() throws Exception {
        assertThat(JAR).exists();
        List<String> entries = new ArrayList<>();
        try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
            jar.stream().forEach(e -> entries.add(e.getName()));
        }
        assertThat(entries).noneMatch(e -> e.startsWith("io/netty/") || e.startsWith("org/apache/http")
                || e.startsWith("org/apache/hc/"));
        assertThat(entries).contains("dmlflow/resources/database/DatabaseSetupHandler.class",
                "dmlflow/resources/schema/SchemaMigrationHandler.class", "dmlflow/resources/health/HealthGateHandler.class");
    }

    /**
     * The same classes give the same bytes (JarTool normalize, after ProGuard): entries in name
     * order, manifest first, one fixed time. scripts/check-builds.sh builds twice and compares.
     */
    @Test
    void theJarIsNormalisedSoItsContentHashIsStable() throws Exception {
        List<String> names = new ArrayList<>();
        try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
            jar.stream().forEach(e -> {
                names.add(e.getName());
                assertThat(e.getTime()).as(e.getName()).isEqualTo(jar.getEntry(names.get(0)).getTime());
            });
        }
        assertThat(names.get(0)).isEqualTo("META-INF/MANIFEST.MF");
        assertThat(names.subList(1, names.size())).isSorted();
    }

    @Test
    void databaseSetupFromTheJarCreatesTheUserThroughSecretsManagerAndJdbc() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        var secrets = AwsClients.secretsManager();
        String master = secrets.createSecret(r -> r.name("jar-master-" + suffix).secretString(JSON.createObjectNode()
                .put("username", MariaDbServer.ADMIN).put("password", MariaDbServer.ADMIN_PASSWORD).toString())).arn();
        String user = secrets.createSecret(r -> r.name("jar-user-" + suffix).secretString(JSON.createObjectNode()
                .put("username", "jar_" + suffix).put("password", "p@ss w/rd").toString())).arn();
        ObjectNode event = Events.load("database-create.json", server.url());
        Events.properties(event).put("Endpoint", "127.0.0.1").put("Port", String.valueOf(mariadb.port()))
                .put("MasterSecretArn", master).put("UserSecretArn", user);
        Events.properties(event).putArray("Databases").add("jar_" + suffix);

        JsonNode answer = run("dmlflow.resources.database.DatabaseSetupHandler", event, "DMLFLOW_DB_SSL_MODE", "DISABLED");

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("Data").path("Username").asText()).isEqualTo("jar_" + suffix);
    }

    @Test
    void schemaMigrationFromTheJarSpeaksEcsAndReportsItsError() throws Exception {
        JsonNode answer = run("dmlflow.resources.schema.SchemaMigrationHandler",
                Events.load("schema-create.json", server.url()));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("ClusterNotFoundException");
    }

    /**
     * RunTask, ListTasks, DescribeTasks (an ECS stub: moto's awsvpc RunTask fails) and
     * GetLogEvents (moto_server) through the shrunk jar.
     */
    @Test
    void schemaMigrationFromTheJarRunsATaskAndReportsItsLastLogLines() throws Exception {
        var logs = AwsClients.logs();
        String logGroup = "jar-logs-" + UUID.randomUUID().toString().substring(0, 8);
        logs.createLogGroup(r -> r.logGroupName(logGroup));
        String stream = "mlflow/mlflow/" + EcsStub.TASK_ARN.substring(EcsStub.TASK_ARN.lastIndexOf('/') + 1);
        logs.createLogStream(r -> r.logGroupName(logGroup).logStreamName(stream));
        logs.putLogEvents(r -> r.logGroupName(logGroup).logStreamName(stream).logEvents(e -> e
                .timestamp(System.currentTimeMillis()).message("alembic.util.exc.CommandError: Can't locate revision")));
        ObjectNode event = Events.load("schema-create.json", server.url());
        Events.properties(event).put("LogGroup", logGroup);

        try (EcsStub ecs = new EcsStub()) {
            JsonNode answer = run("dmlflow.resources.schema.SchemaMigrationHandler", event, "AWS_ENDPOINT_URL_ECS", ecs.url());

            assertThat(ecs.operations()).containsSubsequence("ListTasks", "RunTask", "DescribeTasks");
            assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
            assertThat(answer.path("Reason").asText()).contains("schema migration failed", "Essential container in task exited",
                    "exit code 1", "Can't locate revision");
        }
    }

    /**
     * An image change through the shrunk jar: DescribeStacks, the check task (ECS stub), UpdateService,
     * CreateDBClusterSnapshot and DescribeDBClusterSnapshots (moto_server), the failed migration.
     */
    @Test
    void anImageChangeFromTheJarSnapshotsTheClusterBeforeItsMigration() throws Exception {
        String cluster = "jar-db-" + UUID.randomUUID().toString().substring(0, 8);
        var rds = AwsClients.rds();
        rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-mysql").masterUsername("admin")
                .masterUserPassword("not-used-here-1"));
        ObjectNode event = Events.load("schema-create.json", server.url());
        Events.asUpdate(event, "mlflow-SchemaMigration");
        Events.properties(event).put("Image", "ghcr.io/mlflow/mlflow:v3.18.0-full").put("DatabaseCluster", cluster)
                .put("TaskDefinition", "arn:aws:ecs:eu-west-1:123456789012:task-definition/mlflow-mlflow:8");

        try (EcsStub ecs = new EcsStub()) {
            JsonNode answer = run("dmlflow.resources.schema.SchemaMigrationHandler", event, "AWS_ENDPOINT_URL_ECS", ecs.url());

            assertThat(ecs.operations()).containsSubsequence("RunTask", "DescribeTasks", "DescribeServices",
                    "UpdateService", "RunTask", "DescribeTasks", "UpdateService");
            String snapshot = rds.describeDBClusterSnapshots(r -> r.dbClusterIdentifier(cluster).snapshotType("manual"))
                    .dbClusterSnapshots().get(0).dbClusterSnapshotIdentifier();
            assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
            assertThat(answer.path("Reason").asText()).contains("the service was put back on mlflow-mlflow:6 with 1 tasks",
                    "the snapshot " + snapshot + " holds the database as it was before");
        }
    }

    /** DescribeServices, ListTasks and DescribeTargetHealth through the shrunk jar. */
    @Test
    void healthGateFromTheJarReadsTheServiceAndItsTargets() throws Exception {
        var ecs = AwsClients.ecs();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String cluster = ecs.createCluster(r -> r.clusterName("jar-health-" + suffix)).cluster().clusterName();
        String taskDefinition = ecs.registerTaskDefinition(r -> r.family("jar-health-" + suffix)
                .containerDefinitions(c -> c.name("mlflow").image("mlflow:test").memory(512)))
                .taskDefinition().taskDefinitionArn();
        ecs.createService(r -> r.cluster(cluster).serviceName("svc-" + suffix).taskDefinition(taskDefinition).desiredCount(1));
        var elb = software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client.builder().build();
        var ec2 = software.amazon.awssdk.services.ec2.Ec2Client.builder().build();
        String vpc = ec2.createVpc(r -> r.cidrBlock("10.9.0.0/16")).vpc().vpcId();
        String group = elb.createTargetGroup(r -> r.name("jar-" + suffix).protocol("HTTP").port(5000).vpcId(vpc)
                .targetType("ip")).targetGroups().get(0).targetGroupArn();
        ObjectNode event = Events.load("health-create.json", server.url());
        Events.properties(event).put("Cluster", cluster).put("Service", "svc-" + suffix).put("TaskDefinition", taskDefinition)
                .put("TargetGroup", group).put("TrackingUri", "http://127.0.0.1:9").put("TimeoutSeconds", "3");

        JsonNode answer = run("dmlflow.resources.health.HealthGateHandler", event);

        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("was not healthy after", "tasks healthy in the target group",
                "http://127.0.0.1:9/health to answer");
    }

    /**
     * DescribeStacks through the shrunk jar: an Update reads its stack's status (moto reports
     * CREATE_COMPLETE, so it is no rollback) and then does its work (a schema check on a new task
     * definition, in a cluster moto does not have).
     */
    @Test
    void anUpdateFromTheJarReadsItsStacksStatusThenRuns() throws Exception {
        String stackId = AwsClients.cloudFormation().createStack(r -> r.stackName("jar-status-" + UUID.randomUUID()
                .toString().substring(0, 8)).templateBody("{\"Resources\":{\"Bucket\":{\"Type\":\"AWS::S3::Bucket\"}}}"))
                .stackId();
        ObjectNode event = Events.load("schema-create.json", server.url());
        event.put("StackId", stackId);
        Events.asUpdate(event, "mlflow-SchemaMigration");
        Events.properties(event).put("TaskDefinition", "arn:aws:ecs:eu-west-1:123456789012:task-definition/mlflow-mlflow:8");

        JsonNode answer = run("dmlflow.resources.schema.SchemaMigrationHandler", event);

        assertThat(Files.readString(dir.resolve("log.txt"))).doesNotContain("stack-status-unknown");
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("ClusterNotFoundException");
    }

    @Test
    void healthGateFromTheJarSpeaksEcsAndReportsItsError() throws Exception {
        ObjectNode event = Events.load("health-create.json", server.url());
        Events.properties(event).put("TimeoutSeconds", "3");
        JsonNode answer = run("dmlflow.resources.health.HealthGateHandler", event);
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("ClusterNotFoundException");
    }
}

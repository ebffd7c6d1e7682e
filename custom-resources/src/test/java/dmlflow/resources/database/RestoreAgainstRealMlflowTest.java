package dmlflow.resources.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.protocol.HttpAnswerSender;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.FakeContext;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.resources.testing.MlflowClient;
import dmlflow.resources.testing.TrackingContainer;
import dmlflow.testing.MotoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * remove.sh then deploy.sh --restore, for everything that lives in the database, on real servers.
 * MLflow writes a run and a user into a MariaDB "cluster"; the cluster is snapshotted the way
 * Aurora does it (a copy of its storage: databases, users, password hashes) and deleted; a new
 * one comes up from the copy; the restored stack's Custom::MlflowDatabase runs its Create with the
 * kept secrets, and the start script checks, migrates and serves. The same run, artifact, users
 * and passwords are there, and a newly generated admin password would not log in (why the
 * template requires the kept admin secret with a snapshot).
 */
class RestoreAgainstRealMlflowTest {
    private static final String USER_PASSWORD = "u$er p@ss:w/rd?#%[x]'\"`\\";
    private static final String ADMIN_PASSWORD = "kept admin:p@ss/w?rd#%";
    private static final String ALICE_PASSWORD = "alice's p@ss: kept";

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void aClusterRestoredFromItsSnapshotWithTheKeptSecretsServesEveryRunUserAndPasswordAsBefore() throws Exception {
        MotoServer moto = MotoServer.start();
        SecretsManagerClient secrets = AwsClients.secretsManager();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        // The secrets remove.sh keeps (RetainExceptOnCreate) and deploy.sh --restore hands back.
        String master = secret(secrets, "kept-master-" + suffix, MariaDbServer.ADMIN, MariaDbServer.ADMIN_PASSWORD);
        String user = secret(secrets, "kept-user-" + suffix, "mlflow", USER_PASSWORD);
        MlflowClient client = new MlflowClient(dir, moto);
        String bucket = "kept-artifacts-" + suffix;
        client.createBucket(bucket);

        // The first stack: its database setup, then the container migrates and serves; a user logs a
        // run with an artifact, the admin adds a user.
        MariaDbServer cluster = MariaDbServer.startSeparate();
        assertThat(setUpDatabases(cluster, master, user).path("Status").asText()).isEqualTo("SUCCESS");
        String runId;
        try (TrackingContainer first = new TrackingContainer(Files.createDirectory(dir.resolve("first")),
                settings(client, cluster, bucket))) {
            TrackingContainer.Exit migrated = first.migrate();
            assertThat(migrated.code()).as(migrated.output()).isZero();
            URI base = first.serve();
            runId = client.run(base, "admin", ADMIN_PASSWORD, "log");
            HttpResponse<String> created = post(base, "/api/2.0/mlflow/users/create", "admin", ADMIN_PASSWORD,
                    new ObjectMapper().createObjectNode().put("username", "alice").put("password", ALICE_PASSWORD).toString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        }

        // remove.sh: CloudFormation snapshots the cluster and deletes it.
        Path snapshot = cluster.snapshot();

        // deploy.sh --restore: a new cluster from the snapshot, with the kept secrets and bucket.
        MariaDbServer restored = MariaDbServer.restore(snapshot);
        JsonNode setUp = setUpDatabases(restored, master, user);
        assertThat(setUp.path("Status").asText()).as(setUp.toString()).isEqualTo("SUCCESS");
        try (TrackingContainer second = new TrackingContainer(Files.createDirectory(dir.resolve("second")),
                settings(client, restored, bucket))) {
            TrackingContainer.Exit check = second.check();
            assertThat(check.code()).as("the restored schema is MLflow's current one: %s", check.output()).isZero();
            assertThat(second.migrate().code()).isZero();
            URI base = second.serve();
            assertThat(client.run(base, "admin", ADMIN_PASSWORD, "read", runId))
                    .as("the run, its metric and its artifact").startsWith("mlflow-artifacts:/").endsWith("0.93 weights-42");
            assertThat(get(base, "/api/2.0/mlflow/experiments/search?max_results=1", "alice", ALICE_PASSWORD).statusCode())
                    .as("a user made before the remove logs in with the same password").isEqualTo(200);
            assertThat(get(base, "/api/2.0/mlflow/experiments/search?max_results=1", "admin", "a-newly-generated-one")
                    .statusCode()).as("a new admin secret would not log in to a restored user store").isEqualTo(401);
        }
        assertThat(rows(restored, "SELECT COUNT(*) FROM mlflow.runs")).isEqualTo(1);
        restored.stop();
    }

    private JsonNode setUpDatabases(MariaDbServer server, String masterSecret, String userSecret) throws Exception {
        try (AnswerServer answers = new AnswerServer()) {
            ObjectNode event = Events.load("database-create.json", answers.url());
            event.put("RequestId", UUID.randomUUID().toString());
            ObjectNode properties = Events.properties(event);
            properties.put("Endpoint", "127.0.0.1");
            properties.put("Port", String.valueOf(server.port()));
            properties.put("MasterSecretArn", masterSecret);
            properties.put("UserSecretArn", userSecret);
            DatabaseSetupHandler handler = new DatabaseSetupHandler(new HttpAnswerSender(), Clock.systemUTC(),
                    stackId -> "CREATE_IN_PROGRESS", new Lazy<>(AwsClients::secretsManager), new MysqlConnector("DISABLED"));
            Events.invoke(handler, event, new FakeContext(Duration.ofSeconds(60)));
            return answers.received().get(answers.received().size() - 1).json();
        }
    }

    private static Map<String, String> settings(MlflowClient client, MariaDbServer server, String bucket) {
        return TrackingContainer.injected(client, server.port(), USER_PASSWORD, ADMIN_PASSWORD, bucket);
    }

    private static String secret(SecretsManagerClient secrets, String name, String username, String password) {
        String value = new ObjectMapper().createObjectNode().put("username", username).put("password", password).toString();
        return secrets.createSecret(r -> r.name(name).secretString(value)).arn();
    }

    private static long rows(MariaDbServer server, String query) throws Exception {
        try (Connection admin = server.admin(); Statement sql = admin.createStatement(); ResultSet result = sql.executeQuery(query)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static HttpResponse<String> get(URI base, String path, String username, String password) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", basic(username, password)).GET().build());
    }

    private static HttpResponse<String> post(URI base, String path, String username, String password, String json)
            throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", basic(username, password))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String username, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}

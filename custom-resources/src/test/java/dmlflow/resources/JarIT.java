package dmlflow.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.resources.testing.MotoServer;
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
        Path file = dir.resolve("event.json");
        Files.writeString(file, event.toString());
        List<String> command = new ArrayList<>(List.of("java", "-cp", JAR.toAbsolutePath().toString(),
                "dmlflow.resources.LocalInvoke", handler, file.toString(), "60"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log.txt").toFile());
        builder.environment().put("AWS_ENDPOINT_URL", moto.url());
        builder.environment().put("AWS_REGION", "eu-west-1");
        builder.environment().put("AWS_ACCESS_KEY_ID", "testing");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
        for (int i = 0; i + 1 < environment.length; i += 2) {
            builder.environment().put(environment[i], environment[i + 1]);
        }
        Process process = builder.start();
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

    @Test
    void healthGateFromTheJarSpeaksEcsAndReportsItsError() throws Exception {
        ObjectNode event = Events.load("health-create.json", server.url());
        Events.properties(event).put("TimeoutSeconds", "3");
        JsonNode answer = run("dmlflow.resources.health.HealthGateHandler", event);
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("ClusterNotFoundException");
    }
}

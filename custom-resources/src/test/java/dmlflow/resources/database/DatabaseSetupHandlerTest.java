package dmlflow.resources.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.protocol.HttpAnswerSender;
import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.FakeContext;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.testing.MotoServer;
import dmlflow.testing.Ports;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Custom::MlflowDatabase against a real MariaDB server, with its secrets in moto_server. */
class DatabaseSetupHandlerTest {
    /** Everything that breaks a naive SQL string or URL. */
    private static final String USER_PASSWORD = "u$er p@ss:w/rd?#%[x]'\"`\\";

    private static MariaDbServer mariadb;
    private static SecretsManagerClient secrets;

    private AnswerServer server;
    private String suffix;
    private String masterSecret;
    private String userSecret;
    private String username;
    /** What DescribeStacks says of the stack; moto cannot put a stack into UPDATE_ROLLBACK_IN_PROGRESS. */
    private String stackStatus = "CREATE_IN_PROGRESS";

    @BeforeAll
    static void servers() {
        MotoServer.start();
        mariadb = MariaDbServer.start();
        secrets = AwsClients.secretsManager();
    }

    @BeforeEach
    void fixture() throws Exception {
        server = new AnswerServer();
        suffix = UUID.randomUUID().toString().substring(0, 8);
        username = "mlflow_" + suffix;
        masterSecret = secret("master-" + suffix, MariaDbServer.ADMIN, MariaDbServer.ADMIN_PASSWORD);
        userSecret = secret("user-" + suffix, username, USER_PASSWORD);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String secret(String name, String user, String password) throws Exception {
        ObjectNode value = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("username", user).put("password", password);
        return secrets.createSecret(r -> r.name(name).secretString(value.toString())).arn();
    }

    private DatabaseSetupHandler handler() {
        return new DatabaseSetupHandler(new HttpAnswerSender(), Clock.systemUTC(), stackId -> stackStatus,
                new Lazy<>(AwsClients::secretsManager), new MysqlConnector("DISABLED"));
    }

    private ObjectNode event(String fixtureType, int port) {
        ObjectNode event = Events.load("database-create.json", server.url());
        event.put("RequestType", fixtureType);
        if (!fixtureType.equals("Create")) {
            event.put("PhysicalResourceId", "mlflow-DatabaseSetup");
        }
        ObjectNode properties = Events.properties(event);
        properties.put("Endpoint", "127.0.0.1");
        properties.put("Port", String.valueOf(port));
        properties.put("MasterSecretArn", masterSecret);
        properties.put("UserSecretArn", userSecret);
        properties.putArray("Databases").add("mlflow_" + suffix).add("mlflow_auth_" + suffix);
        if (fixtureType.equals("Update")) {
            event.set("OldResourceProperties", properties.deepCopy());
        }
        return event;
    }

    private JsonNode invoke(ObjectNode event, Duration timeout) throws Exception {
        int before = server.received().size();
        FakeContext context = new FakeContext(timeout);
        Events.invoke(handler(), event, context);
        // The handler read both secrets: nothing of them may reach its log (CloudWatch keeps it).
        assertThat(context.log()).as("the function's log").isNotBlank()
                .doesNotContain(USER_PASSWORD, MariaDbServer.ADMIN_PASSWORD, "rotated " + USER_PASSWORD);
        List<AnswerServer.Received> answers = server.received();
        assertThat(answers).hasSize(before + 1);
        return answers.get(answers.size() - 1).json();
    }

    @Test
    void anUpdateDuringARollbackTouchesNeitherTheDatabaseNorTheSecrets() throws Exception {
        assertThat(invoke(event("Create", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement()) {
            sql.execute("DROP DATABASE mlflow_auth_" + suffix);
        }
        stackStatus = "UPDATE_ROLLBACK_IN_PROGRESS";
        // Unreachable port: a rollback Update that tried to connect would fail.
        JsonNode answer = invoke(event("Update", 1), Duration.ofSeconds(60));
        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-DatabaseSetup");
        assertThat(databaseExists("mlflow_auth_" + suffix)).as("the rollback recreated nothing").isFalse();

        stackStatus = "UPDATE_IN_PROGRESS";
        JsonNode update = invoke(event("Update", mariadb.port()), Duration.ofSeconds(60));
        assertThat(update.path("Status").asText()).as(update.toString()).isEqualTo("SUCCESS");
        assertThat(databaseExists("mlflow_auth_" + suffix)).as("an ordinary update does its work").isTrue();
    }

    private static boolean databaseExists(String name) throws SQLException {
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement();
                ResultSet found = sql.executeQuery("SHOW DATABASES LIKE '" + name + "'")) {
            return found.next();
        }
    }

    @Test
    void createRunsTwiceWithoutErrorAndReturnsTheUsername() throws Exception {
        for (int i = 0; i < 2; i++) {
            JsonNode answer = invoke(event("Create", mariadb.port()), Duration.ofSeconds(60));
            assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
            assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-DatabaseSetup");
            assertThat(answer.path("Data").path("Username").asText()).isEqualTo(username);
        }
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement();
                ResultSet charset = sql.executeQuery("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA"
                        + " WHERE SCHEMA_NAME = 'mlflow_" + suffix + "'")) {
            assertThat(charset.next()).isTrue();
            assertThat(charset.getString(1)).isEqualTo("utf8mb4");
        }
    }

    @Test
    void theUserWorksInItsDatabasesTriggersIncludedAndNowhereElse() throws Exception {
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement()) {
            sql.execute("CREATE DATABASE IF NOT EXISTS other_" + suffix);
        }
        assertThat(invoke(event("Create", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");

        try (Connection user = mariadb.connect(username, USER_PASSWORD); Statement sql = user.createStatement()) {
            for (String database : List.of("mlflow_" + suffix, "mlflow_auth_" + suffix)) {
                sql.execute("CREATE TABLE " + database + ".runs (id INT PRIMARY KEY, n INT)");
                sql.execute("CREATE TABLE " + database + ".audit (id INT)");
                sql.execute("CREATE TRIGGER " + database + ".runs_audit AFTER INSERT ON " + database + ".runs"
                        + " FOR EACH ROW INSERT INTO " + database + ".audit VALUES (NEW.id)");
                sql.execute("INSERT INTO " + database + ".runs VALUES (1, 1)");
                try (ResultSet audit = sql.executeQuery("SELECT COUNT(*) FROM " + database + ".audit")) {
                    audit.next();
                    assertThat(audit.getInt(1)).isEqualTo(1);
                }
            }
            assertThatThrownBy(() -> sql.execute("CREATE TABLE other_" + suffix + ".t (id INT)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("denied");
            assertThatThrownBy(() -> sql.execute("CREATE DATABASE sneaky_" + suffix))
                    .isInstanceOf(SQLException.class).hasMessageContaining("denied");
            assertThatThrownBy(() -> sql.executeQuery("SELECT * FROM mysql.user"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("denied");
        }
    }

    @Test
    void updateWithANewPasswordInTheSecretRetiresTheOldOne() throws Exception {
        assertThat(invoke(event("Create", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");
        String rotated = "rotated " + USER_PASSWORD;
        ObjectNode value = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("username", username).put("password", rotated);
        secrets.putSecretValue(r -> r.secretId(userSecret).secretString(value.toString()));

        JsonNode answer = invoke(event("Update", mariadb.port()), Duration.ofSeconds(60));

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("mlflow-DatabaseSetup");
        assertThatThrownBy(() -> mariadb.connect(username, USER_PASSWORD).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("Access denied");
        try (Connection connection = mariadb.connect(username, rotated)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    /** MariaDB has no dual passwords, so the rotation's second step is a no-op there; it must still succeed. */
    @Test
    void theRotationsSecondStepSucceedsAfterTheFirstAndLeavesTheNewPassword() throws Exception {
        assertThat(invoke(event("Create", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");
        String rotated = "rotated-again " + USER_PASSWORD;
        ObjectNode value = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("username", username).put("password", rotated);
        secrets.putSecretValue(r -> r.secretId(userSecret).secretString(value.toString()));
        assertThat(invoke(event("Update", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");

        ObjectNode discard = event("Update", mariadb.port());
        discard.put("ResourceType", DatabaseSetupProperties.PASSWORD_TYPE).put("LogicalResourceId", "DatabaseSetupPassword");
        Events.properties(discard).put("Step", "DiscardOldPassword");
        JsonNode answer = invoke(discard, Duration.ofSeconds(60));

        assertThat(answer.path("Status").asText()).as(answer.toString()).isEqualTo("SUCCESS");
        try (Connection connection = mariadb.connect(username, rotated)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void mysqlEightKeepsTheOldPasswordDuringARotationAndMariaDbCannot() {
        // Aurora MySQL 3 reports MySQL 8.0 versions; MariaDB's carry its name (Connector/J's
        // getDatabaseProductVersion is the server's VERSION()).
        assertThat(MysqlAccounts.supportsDualPasswords("8.0.39")).isTrue();
        assertThat(MysqlAccounts.supportsDualPasswords("8.0.14")).isTrue();
        assertThat(MysqlAccounts.supportsDualPasswords("8.0.13")).isFalse();
        assertThat(MysqlAccounts.supportsDualPasswords("5.7.12")).isFalse();
        assertThat(MysqlAccounts.supportsDualPasswords("5.5.5-10.11.19-MariaDB-0+deb12u1")).isFalse();
        assertThat(MysqlAccounts.setPasswordStatement(true)).endsWith("IDENTIFIED BY ? RETAIN CURRENT PASSWORD");
        assertThat(MysqlAccounts.setPasswordStatement(false)).endsWith("IDENTIFIED BY ?");
    }

    @Test
    void anUnknownStepIsRefusedNamingTheChoices() throws Exception {
        ObjectNode event = event("Create", mariadb.port());
        Events.properties(event).put("Step", "DropEverything");
        JsonNode answer = invoke(event, Duration.ofSeconds(30));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains("Step must be Setup or DiscardOldPassword");
    }

    @Test
    void anUnreachableServerFailsBeforeTheDeadlineNamingHostAndError() throws Exception {
        int closedPort = Ports.free();
        Instant began = Instant.now();
        JsonNode answer = invoke(event("Create", closedPort), Duration.ofSeconds(12));
        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(12));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("PhysicalResourceId").asText()).startsWith("dmlflow-failed-create-");
        assertThat(answer.path("Reason").asText())
                .contains("127.0.0.1:" + closedPort)
                .containsAnyOf("Communications link failure", "Connection refused");
    }

    @Test
    void aWrongMasterPasswordFailsAtOnceInsteadOfRetrying() throws Exception {
        masterSecret = secret("wrong-master-" + suffix, MariaDbServer.ADMIN, "not-the-password");
        Instant began = Instant.now();
        JsonNode answer = invoke(event("Create", mariadb.port()), Duration.ofSeconds(60));
        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(answer.path("Reason").asText()).contains("cannot log in to 127.0.0.1:" + mariadb.port(),
                "Access denied", "does the master secret match the cluster?").doesNotContain("not-the-password");
    }

    @Test
    void aSecretWithoutAPasswordIsNamedWithoutShowingItsValue() throws Exception {
        userSecret = secrets.createSecret(r -> r.name("broken-" + suffix).secretString("{\"username\":\"x\",\"pw\":\"hunter2\"}")).arn();
        JsonNode answer = invoke(event("Create", mariadb.port()), Duration.ofSeconds(60));
        assertThat(answer.path("Status").asText()).isEqualTo("FAILED");
        assertThat(answer.path("Reason").asText()).contains(userSecret, "has no 'password' field").doesNotContain("hunter2");
    }

    @Test
    void aBadDatabaseNameIsRefusedBeforeAnySql() throws Exception {
        ObjectNode event = event("Create", mariadb.port());
        Events.properties(event).putArray("Databases").add("mlflow; DROP DATABASE mysql");
        JsonNode answer = invoke(event, Duration.ofSeconds(60));
        assertThat(answer.path("Reason").asText()).contains("Custom::MlflowDatabase property Databases must hold only");
    }

    @Test
    void deleteLeavesTheDatabasesAndTheirDataInPlace() throws Exception {
        assertThat(invoke(event("Create", mariadb.port()), Duration.ofSeconds(60)).path("Status").asText()).isEqualTo("SUCCESS");
        try (Connection user = mariadb.connect(username, USER_PASSWORD); Statement sql = user.createStatement()) {
            sql.execute("CREATE TABLE mlflow_" + suffix + ".experiments (name VARCHAR(20))");
            sql.execute("INSERT INTO mlflow_" + suffix + ".experiments VALUES ('kept')");
        }

        JsonNode answer = invoke(event("Delete", mariadb.port()), Duration.ofSeconds(60));

        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery("SELECT name FROM mlflow_" + suffix + ".experiments")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            assertThat(names).containsExactly("kept");
        }
    }

    @Test
    void theTemplateSendsWhatThisHandlerReads() throws Exception {
        dmlflow.resources.testing.TemplateContract.assertServedBy(DatabaseSetupProperties.TYPE, DatabaseSetupHandler.class, DatabaseSetupProperties.NAMES);
        dmlflow.resources.testing.TemplateContract.assertServedBy(DatabaseSetupProperties.PASSWORD_TYPE,
                DatabaseSetupHandler.class, DatabaseSetupProperties.PASSWORD_NAMES);
    }
}

package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.Main;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.testing.Moto;
import dmlflow.deployer.testing.TestConsole;
import dmlflow.testing.Ports;
import dmlflow.testing.RealMlflow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * ./deploy.sh logs and ./deploy.sh users as an operator runs them, against moto (the stack, its
 * log group, its admin secret) and, for users, a real MLflow with basic auth: the stack's outputs
 * point at it, as templates/mlflow.yaml's point at the load balancer.
 */
class DayTwoCommandsTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root"));
    private static final String ADMIN_PASSWORD = "the-admin-password-in-the-secret";
    private static final Pattern PASSWORD = Pattern.compile("(?m)^  export MLFLOW_TRACKING_PASSWORD=(\\S+)$");

    @TempDir
    static Path dir;
    private static Process mlflow;
    private static URI server;

    @BeforeAll
    static void start() throws Exception {
        Moto.start();
        int port = Ports.free();
        Path config = dir.resolve("basic_auth.ini");
        Files.writeString(config, String.join("\n", "[mlflow]", "default_permission = READ",
                "database_uri = sqlite:///" + dir.resolve("auth.db"), "admin_username = admin",
                "admin_password = " + ADMIN_PASSWORD,
                "authorization_function = mlflow.server.auth:authenticate_request_basic_auth", ""));
        ProcessBuilder builder = new ProcessBuilder(RealMlflow.bin().resolve("mlflow").toString(), "server",
                "--app-name", "basic-auth", "--host", "127.0.0.1", "--port", String.valueOf(port), "--workers", "1",
                "--backend-store-uri", "sqlite:///" + dir.resolve("mlflow.db"))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("mlflow.log").toFile());
        builder.environment().put("MLFLOW_AUTH_CONFIG_PATH", config.toString());
        builder.environment().put("MLFLOW_FLASK_SERVER_SECRET_KEY", "day-two-test");
        builder.environment().put("PATH", RealMlflow.bin() + ":/usr/bin:/bin");
        mlflow = builder.start();
        server = URI.create("http://127.0.0.1:" + port);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (status(server.resolve("/health"), null, null) != 200) {
            assertThat(mlflow.isAlive()).as(Files.readString(dir.resolve("mlflow.log"))).isTrue();
            assertThat(Instant.now()).as("MLflow answered /health in time").isBefore(deadline);
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (mlflow != null) {
            mlflow.descendants().forEach(ProcessHandle::destroy);
            mlflow.destroy();
            mlflow.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(180)
    void usersAreAddedListedAndGivenNewPasswordsThroughMlflowsApiAsTheStacksAdmin() throws Exception {
        String stack = stack("basic", secret(ADMIN_PASSWORD));

        TestConsole added = new TestConsole();
        assertThat(run(added, "users", "add", "alice@example.com", "--stack-name", stack)).as(added.all()).isZero();
        String alicePassword = password(added.out());
        assertThat(added.out()).contains("Created user alice@example.com on " + server,
                "export MLFLOW_TRACKING_URI=" + server, "export MLFLOW_TRACKING_USERNAME=alice@example.com",
                "shown this once");
        assertThat(status(server.resolve("/api/2.0/mlflow/experiments/search?max_results=1"), "alice@example.com",
                alicePassword)).as("the printed password signs in").isEqualTo(200);

        TestConsole again = new TestConsole();
        assertThat(run(again, "users", "add", "alice@example.com", "--stack-name", stack)).isEqualTo(1);
        assertThat(again.err()).contains("user alice@example.com exists already",
                "./deploy.sh users reset-password alice@example.com");

        TestConsole admin = new TestConsole();
        assertThat(run(admin, "users", "add", "bob", "--admin", "--stack-name", stack)).as(admin.all()).isZero();
        TestConsole listed = new TestConsole();
        assertThat(run(listed, "users", "list", "--stack-name", stack)).as(listed.all()).isZero();
        assertThat(listed.out().lines().map(line -> line.strip().replaceAll("\\s+", " ")).toList())
                .contains("USERNAME ROLE", "admin admin", "alice@example.com user", "bob admin")
                .as("no password in a list").noneMatch(line -> line.contains(alicePassword));

        TestConsole reset = new TestConsole();
        assertThat(run(reset, "users", "reset-password", "alice@example.com", "--stack-name", stack)).as(reset.all())
                .isZero();
        String newPassword = password(reset.out());
        assertThat(newPassword).isNotEqualTo(alicePassword);
        assertThat(status(server.resolve("/api/2.0/mlflow/experiments/search?max_results=1"), "alice@example.com",
                newPassword)).isEqualTo(200);
        assertThat(status(server.resolve("/api/2.0/mlflow/experiments/search?max_results=1"), "alice@example.com",
                alicePassword)).as("the old password is refused").isEqualTo(401);
    }

    @Test
    @Timeout(120)
    void eachMistakeGetsASentenceThatSaysWhatToDo() throws Exception {
        String stack = stack("basic", secret(ADMIN_PASSWORD));
        assertThat(failure(1, "users", "reset-password", "carol", "--stack-name", stack))
                .contains("there is no user carol: ./deploy.sh users add carol");
        assertThat(failure(1, "users", "reset-password", "admin", "--stack-name", stack))
                .contains("the admin's password is the one in the stack's admin secret");
        assertThat(failure(2, "users", "add", "two words", "--stack-name", stack)).contains("'two words' is not a username");
        failure(2, "users", "--stack-name", stack);
        assertThat(failure(1, "users", "list", "--stack-name", "no-such-stack")).contains("stack no-such-stack does not exist");
        assertThat(failure(1, "users", "list", "--stack-name", stack("none", secret(ADMIN_PASSWORD))))
                .contains("AuthMode=none: there are no users");
        String stale = stack("basic", secret("a-password-changed-in-mlflow-since"));
        assertThat(failure(1, "users", "list", "--stack-name", stale))
                .contains("refused the admin's password from arn:aws:secretsmanager:");
        assertThat(failure(2, "logs", "--since", "yesterday", "--stack-name", stack))
                .contains("--since 'yesterday' is not an age such as 30s, 10m, 2h, 1d or 1w");
    }

    @Test
    @Timeout(120)
    void logsPrintsTheLogGroupFromSinceOnAndFollowsNewLinesOnce() throws Exception {
        String stack = stack("basic", secret(ADMIN_PASSWORD));
        String group = CloudFormationClient.create().describeStacks(r -> r.stackName(stack)).stacks().get(0).outputs()
                .stream().filter(o -> o.outputKey().equals("LogGroup")).findFirst().orElseThrow().outputValue();
        CloudWatchLogsClient logs = CloudWatchLogsClient.create();
        long now = System.currentTimeMillis();
        put(logs, group, "mlflow/mlflow/3f9a1c2e5d6b", now - Duration.ofHours(3).toMillis(), "three hours ago");
        put(logs, group, "mlflow/mlflow/3f9a1c2e5d6b", now - Duration.ofMinutes(30).toMillis(), "dmlflow: MLflow 3.17.0");
        put(logs, group, "mlflow/mlflow/77aa00bb11cc", now - Duration.ofMinutes(20).toMillis(), "dmlflow gc: done: 3 purged");

        TestConsole printed = new TestConsole();
        assertThat(run(printed, "logs", "--since", "1h", "--no-follow", "--stack-name", stack)).as(printed.all()).isZero();
        assertThat(printed.out()).contains("3f9a1c2e  dmlflow: MLflow 3.17.0", "77aa00bb  dmlflow gc: done: 3 purged")
                .doesNotContain("three hours ago");
        assertThat(printed.out().indexOf("MLflow 3.17.0")).isLessThan(printed.out().indexOf("gc: done"));

        TestConsole followed = new TestConsole();
        Thread follower = new Thread(() -> run(followed, "logs", "--since", "1h", "--poll-seconds", "0.2",
                "--stack-name", stack));
        follower.start();
        awaitText(followed, "gc: done");
        put(logs, group, "mlflow/mlflow/77aa00bb11cc", System.currentTimeMillis(), "a new line");
        awaitText(followed, "a new line");
        // A line of another task that reaches CloudWatch after a later one (its driver sends in batches).
        put(logs, group, "mlflow/mlflow/3f9a1c2e5d6b", System.currentTimeMillis() - 20_000, "a late line");
        awaitText(followed, "a late line");
        Thread.sleep(1000);
        follower.interrupt();
        follower.join(10_000);
        assertThat(followed.out()).contains("Ctrl-C stops following");
        assertThat(followed.out().split("a new line", -1)).as("printed once").hasSize(2);
        assertThat(followed.out().split("a late line", -1)).as("printed once").hasSize(2);
        assertThat(followed.out().split("gc: done", -1)).as("printed once").hasSize(2);
    }

    private static String stack(String authMode, String secretArn) {
        String name = "day-two-" + UUID.randomUUID().toString().substring(0, 8);
        CloudFormationClient.create().createStack(r -> r.stackName(name)
                .templateBody(read(ROOT.resolve("deployer/src/test/resources/day-two-stack.yaml")))
                .parameters(parameter("AuthMode", authMode), parameter("TrackingUri", server.toString()),
                        parameter("AdminSecretArn", secretArn)));
        return name;
    }

    private static String secret(String password) {
        return SecretsManagerClient.create().createSecret(r -> r.name("admin-" + UUID.randomUUID())
                .secretString("{\"username\":\"admin\",\"password\":\"" + password + "\"}")).arn();
    }

    private static Parameter parameter(String key, String value) {
        return Parameter.builder().parameterKey(key).parameterValue(value).build();
    }

    private static void put(CloudWatchLogsClient logs, String group, String stream, long time, String message) {
        try {
            logs.createLogStream(r -> r.logGroupName(group).logStreamName(stream));
        } catch (software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException exists) {
            // A second line on the same task's stream.
        }
        logs.putLogEvents(r -> r.logGroupName(group).logStreamName(stream)
                .logEvents(InputLogEvent.builder().timestamp(time).message(message).build()));
    }

    private static String failure(int code, String... args) {
        TestConsole console = new TestConsole();
        assertThat(run(console, args)).as(console.all()).isEqualTo(code);
        return console.err();
    }

    private static int run(TestConsole console, String... args) {
        return Main.run(args, console.console, AwsSession::new);
    }

    private static String password(String output) {
        Matcher matcher = PASSWORD.matcher(output);
        assertThat(matcher.find()).as(output).isTrue();
        assertThat(matcher.group(1)).hasSize(24);
        return matcher.group(1);
    }

    private static void awaitText(TestConsole console, String text) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!console.out().contains(text)) {
            assertThat(Instant.now()).as("'%s' printed in time:%n%s", text, console.all()).isBefore(deadline);
            Thread.sleep(100);
        }
    }

    private static int status(URI uri, String username, String password) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (username != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException notYet) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

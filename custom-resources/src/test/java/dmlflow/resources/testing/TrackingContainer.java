package dmlflow.resources.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dmlflow.testing.Ports;
import dmlflow.testing.RealMlflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The tracking server's container as ECS runs it, minus the container: the start script exactly
 * as templates/mlflow.yaml carries it, under /bin/sh, with the literal environment the task
 * definition sets, plus the values ECS would inject, and a real MLflow first on PATH.
 */
public final class TrackingContainer implements AutoCloseable {
    private static final Path TEMPLATE = Path.of("../templates/mlflow.yaml");

    public record Exit(int code, String stdout, String stderr) {
        public String output() {
            return stdout + stderr;
        }
    }

    private final Path dir;
    private final Map<String, String> env = new TreeMap<>();
    private final int port;
    private Process server;

    public TrackingContainer(Path dir, Map<String, String> settings) throws IOException {
        this.dir = dir;
        this.port = Ports.free();
        JsonNode container = new ObjectMapper(new YAMLFactory()).readTree(TEMPLATE.toFile())
                .path("Resources").path("TrackingTask").path("Properties").path("ContainerDefinitions").get(0);
        Files.writeString(dir.resolve("start-mlflow.sh"), container.path("Command").get(0).asText());
        for (JsonNode variable : container.path("Environment")) {
            if (variable.path("Value").isTextual()) {
                env.put(variable.path("Name").asText(), variable.path("Value").asText());
            }
        }
        env.put("PATH", RealMlflow.bin() + ":/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", dir.toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.put("DMLFLOW_PORT", String.valueOf(port));
        env.put("DMLFLOW_WORKERS", "1");
        env.put("DMLFLOW_IDLE_TIMEOUT", "60");
        env.putAll(settings);
    }

    /**
     * What ECS injects into a basic-auth server beside the template's literal environment: the
     * database's address and MLflow's login to it, the secrets, the bucket, the allowed host.
     */
    public static Map<String, String> injected(MlflowClient client, int databasePort, String databasePassword,
            String adminPassword, String bucket) {
        Map<String, String> settings = new TreeMap<>(client.s3Environment());
        settings.put("DMLFLOW_DB_HOST", "127.0.0.1");
        settings.put("DMLFLOW_DB_PORT", String.valueOf(databasePort));
        settings.put("DMLFLOW_DB_NAME", "mlflow");
        settings.put("DMLFLOW_AUTH_DB_NAME", "mlflow_auth");
        settings.put("DMLFLOW_DB_USERNAME", "mlflow");
        settings.put("DMLFLOW_DB_PASSWORD", databasePassword);
        settings.put("DMLFLOW_AUTH_MODE", "basic");
        settings.put("DMLFLOW_ADMIN_PASSWORD", adminPassword);
        settings.put("DMLFLOW_DEFAULT_PERMISSION", "READ");
        settings.put("MLFLOW_FLASK_SERVER_SECRET_KEY", "the-test-stack-flask-key");
        settings.put("DMLFLOW_ARTIFACTS_DESTINATION", "s3://" + bucket + "/artifacts");
        settings.put("DMLFLOW_ALLOWED_HOSTS", "mlflow.example.com");
        return settings;
    }

    /**
     * What the database-setup function leaves for the server: its two databases and MLflow's own
     * user with rights on them alone (DatabaseSetupHandler makes them on Aurora).
     */
    public static void prepareDatabases(MariaDbServer database, String password) throws java.sql.SQLException {
        try (java.sql.Connection admin = database.admin(); java.sql.Statement sql = admin.createStatement()) {
            sql.execute("CREATE DATABASE mlflow CHARACTER SET utf8mb4");
            sql.execute("CREATE DATABASE mlflow_auth CHARACTER SET utf8mb4");
            sql.execute("CREATE USER 'mlflow'@'%' IDENTIFIED BY '" + password + "'");
            sql.execute("GRANT ALL PRIVILEGES ON mlflow.* TO 'mlflow'@'%'");
            sql.execute("GRANT ALL PRIVILEGES ON mlflow_auth.* TO 'mlflow'@'%'");
        }
    }

    public Map<String, String> env() {
        return env;
    }

    /** Runs the container in migrate mode, as the schema migration task does, to its end. */
    public Exit migrate() throws IOException, InterruptedException {
        return oneOff("migrate");
    }

    /** Runs the container in check mode, as the schema migration does before an image change, to its end. */
    public Exit check() throws IOException, InterruptedException {
        return oneOff("check");
    }

    /**
     * Runs the container as the daily purge does: the schedule's override of the task definition
     * (templates/mlflow.yaml, PurgeSchedule's Input) sets DMLFLOW_MODE=gc and the number of days.
     */
    public Exit gc(String days) throws IOException, InterruptedException {
        return oneOff("gc", Map.of("DMLFLOW_GC_OLDER_THAN_DAYS", days, "DMLFLOW_GC_PORT", String.valueOf(Ports.free())));
    }

    private Exit oneOff(String mode) throws IOException, InterruptedException {
        return oneOff(mode, Map.of());
    }

    private Exit oneOff(String mode, Map<String, String> extra) throws IOException, InterruptedException {
        Map<String, String> oneOff = new TreeMap<>(env);
        oneOff.put("DMLFLOW_MODE", mode);
        oneOff.putAll(extra);
        return runToEnd(oneOff, Duration.ofMinutes(3));
    }

    /** Runs the container as the service does, expecting it to stop by itself (a start that fails). */
    public Exit serveExpectingExit() throws IOException, InterruptedException {
        return runToEnd(env, Duration.ofMinutes(2));
    }

    private Exit runToEnd(Map<String, String> environment, Duration timeout) throws IOException, InterruptedException {
        String name = "run-" + System.nanoTime();
        Process process = start(environment, name);
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            stop(process);
            throw new AssertionError("the container did not finish within " + timeout + ":\n" + read(name));
        }
        return new Exit(process.exitValue(), Files.readString(dir.resolve(name + ".out")),
                Files.readString(dir.resolve(name + ".err")));
    }

    /** Starts the server and waits until /health answers 200. */
    public URI serve() throws IOException, InterruptedException {
        server = start(env, "serve");
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            if (!server.isAlive()) {
                throw new AssertionError("the server stopped with " + server.exitValue() + ":\n" + read("serve"));
            }
            try {
                int status = http.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return base;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(500);
        }
        throw new AssertionError("/health never answered 200:\n" + read("serve"));
    }

    public String serverLog() throws IOException {
        return read("serve");
    }

    public void stopServer() {
        if (server != null) {
            stop(server);
            server = null;
        }
    }

    private Process start(Map<String, String> environment, String name) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", dir.resolve("start-mlflow.sh").toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    private String read(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".out")) + Files.readString(dir.resolve(name + ".err"));
    }

    /** SIGTERM, as ECS sends at a task's stop; then whatever is left is killed. */
    private static void stop(Process process) {
        var children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        stopServer();
    }

    /** Runs a Python script with the real MLflow's interpreter; returns its stdout, failing on a non-zero exit. */
    public static String python(Path script, Map<String, String> environment, String... args) {
        try {
            ProcessBuilder builder = pythonProcess(script, environment, args);
            Path out = Files.createTempFile(script.getParent(), "py", ".out");
            Path err = Files.createTempFile(script.getParent(), "py", ".err");
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError(script.getFileName() + " " + String.join(" ", args) + " failed:\n"
                        + Files.readString(out) + Files.readString(err));
            }
            return Files.readString(out).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The real MLflow's Python on a script, in the script's folder, with only the given environment. */
    public static ProcessBuilder pythonProcess(Path script, Map<String, String> environment, String... args) {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(RealMlflow.bin().resolve("python3").toString());
        command.add(script.toString());
        command.addAll(java.util.List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(script.getParent().toFile());
        builder.environment().clear();
        builder.environment().put("PATH", RealMlflow.bin() + ":/usr/bin:/bin");
        builder.environment().put("HOME", script.getParent().toString());
        builder.environment().putAll(environment);
        return builder;
    }

}

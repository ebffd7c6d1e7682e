package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the start script exactly as the template carries it, under /bin/sh, with a stand-in
 * {@code mlflow} command and stand-in Python modules that record what they were given: the
 * command line it builds, byte for byte. The script against a real MLflow and MariaDB (migrate
 * and serve, both auth modes, restarts, a client) is custom-resources' GateAgainstRealMlflowTest.
 */
class StartScriptTest {
    /** Everything a URL or an ini file can choke on. */
    static final String DB_PASSWORD = "p@ss:w/rd?q#f%25[x]' \"b`q` sp ace%";
    static final String DB_USERNAME = "ml user@host:1/x";
    static final String ADMIN_PASSWORD = "a d%min@:/?#[]'\"`%% pass";
    /** As CloudFormation returns a load balancer's DNS name: with capitals. */
    static final String ALB = "dmlflow-LoadB-ABC123-456789.eu-west-1.elb.amazonaws.com";

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path record;
    private final Map<String, String> env = new HashMap<>();

    static String scriptFromTemplate() {
        JsonNode container = Templates.resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0);
        assertThat(container.path("EntryPoint").toString()).isEqualTo("[\"/bin/sh\",\"-c\"]");
        return container.path("Command").get(0).asText();
    }

    @BeforeEach
    void standIns() throws IOException {
        record = dir.resolve("record.jsonl");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        executable(bin.resolve("mlflow"), """
                #!/usr/bin/env python3
                import json, os, sys
                with open(os.environ["RECORD"], "a") as f:
                    f.write(json.dumps({"who": "mlflow", "argv": sys.argv[1:],
                                        "auth_config": os.environ.get("MLFLOW_AUTH_CONFIG_PATH"),
                                        "pythonpath": os.environ.get("PYTHONPATH")}) + "\\n")
                sys.exit(int(os.environ.get("FAKE_MLFLOW_EXIT", "0")))
                """);
        Path site = Files.createDirectories(dir.resolve("site"));
        module(site, "mlflow/__init__.py", "__version__ = '3.17.0'\n");
        module(site, "flask_wtf/__init__.py", "");
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("PYTHONPATH", site.toString());
        env.put("RECORD", record.toString());
        env.put("TMPDIR", dir.toString());
        env.put("DMLFLOW_DB_HOST", "db.cluster-abc.eu-west-1.rds.amazonaws.com");
        env.put("DMLFLOW_DB_PORT", "3306");
        env.put("DMLFLOW_DB_NAME", "mlflow");
        env.put("DMLFLOW_AUTH_DB_NAME", "mlflow_auth");
        env.put("DMLFLOW_DB_USERNAME", DB_USERNAME);
        env.put("DMLFLOW_DB_PASSWORD", DB_PASSWORD);
        env.put("DMLFLOW_AUTH_MODE", "basic");
        env.put("DMLFLOW_ADMIN_USERNAME", "admin");
        env.put("DMLFLOW_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("DMLFLOW_DEFAULT_PERMISSION", "READ");
        env.put("MLFLOW_FLASK_SERVER_SECRET_KEY", "k3y");
        env.put("DMLFLOW_ARTIFACTS_DESTINATION", "s3://bucket-1/artifacts");
        env.put("DMLFLOW_ALLOWED_HOSTS", ALB + ",MLflow.Example.com");
        env.put("DMLFLOW_WORKERS", "3");
        env.put("DMLFLOW_IDLE_TIMEOUT", "300");
        env.put("DMLFLOW_PORT", "5000");
    }

    @Test
    void serveBuildsABackendUriThatDecodesToTheExactCredentials() throws Exception {
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        List<String> argv = strings(onlyCall("mlflow").path("argv"));
        assertThat(argv.subList(0, 1)).containsExactly("server");
        assertThat(option(argv, "--host")).isEqualTo("0.0.0.0");
        assertThat(option(argv, "--port")).isEqualTo("5000");
        assertThat(option(argv, "--workers")).isEqualTo("3");
        assertThat(option(argv, "--artifacts-destination")).isEqualTo("s3://bucket-1/artifacts");
        assertThat(argv).contains("--serve-artifacts").doesNotContain("--default-artifact-root");

        DatabaseUrl url = DatabaseUrl.parse(option(argv, "--backend-store-uri"));
        assertThat(url.username).isEqualTo(DB_USERNAME);
        assertThat(url.password).isEqualTo(DB_PASSWORD);
        assertThat(url.hostAndPath).isEqualTo("db.cluster-abc.eu-west-1.rds.amazonaws.com:3306/mlflow");
        assertThat(url.scheme).isEqualTo("mysql+pymysql");
        assertThat(URI.create(option(argv, "--backend-store-uri")).getQuery())
                .as("a connection waits out Aurora's resume instead of PyMySQL's 10 s").isEqualTo("charset=utf8mb4&connect_timeout=30");
    }

    @Test
    void serveAllowsTheLoadBalancerAndTheDomainAsHostsAndOrigins() throws Exception {
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        List<String> argv = strings(onlyCall("mlflow").path("argv"));
        String alb = ALB.toLowerCase();
        // MLflow matches Host exactly and case-sensitively (security_utils.is_allowed_host_header):
        // the name as given and lower-cased, each with any port, then the loopback names its own
        // job runner would use (mlflow/server/__init__.py calls http://0.0.0.0:PORT).
        assertThat(List.of(option(argv, "--allowed-hosts").split(","))).containsExactly(
                ALB, ALB + ":*", alb, alb + ":*", "MLflow.Example.com", "MLflow.Example.com:*",
                "mlflow.example.com", "mlflow.example.com:*",
                "localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*", "0.0.0.0", "0.0.0.0:*");
        assertThat(List.of(option(argv, "--cors-allowed-origins").split(","))).containsExactly(
                "http://" + ALB, "https://" + ALB, "http://" + alb, "https://" + alb,
                "http://MLflow.Example.com", "https://MLflow.Example.com",
                "http://mlflow.example.com", "https://mlflow.example.com");
        assertThat(option(argv, "--uvicorn-opts")).isEqualTo("--timeout-keep-alive 305");
    }

    @Test
    void basicAuthConfigReadsBackThroughConfigparserToTheExactSecrets() throws Exception {
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        JsonNode call = onlyCall("mlflow");
        List<String> argv = strings(call.path("argv"));
        assertThat(option(argv, "--app-name")).isEqualTo("basic-auth");

        Path config = Path.of(call.path("auth_config").asText());
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        JsonNode parsed = configparser(config);
        assertThat(parsed.path("admin_username").asText()).isEqualTo("admin");
        assertThat(parsed.path("admin_password").asText()).isEqualTo(ADMIN_PASSWORD);
        assertThat(parsed.path("default_permission").asText()).isEqualTo("READ");
        assertThat(parsed.path("auth_cache_ttl_seconds").asText())
                .as("without the setting, the start script caches verified passwords as the template does")
                .isEqualTo(String.valueOf(TrackingTask.AUTH_CACHE_SECONDS));
        DatabaseUrl url = DatabaseUrl.parse(parsed.path("database_uri").asText());
        assertThat(url.password).isEqualTo(DB_PASSWORD);
        assertThat(url.username).isEqualTo(DB_USERNAME);
        assertThat(url.hostAndPath).endsWith("/mlflow_auth");
    }

    @Test
    void withoutAuthNoLoginAppAndNoConfigFile() throws Exception {
        env.put("DMLFLOW_AUTH_MODE", "none");
        env.remove("DMLFLOW_ADMIN_PASSWORD");
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        JsonNode call = onlyCall("mlflow");
        assertThat(strings(call.path("argv"))).doesNotContain("--app-name");
        assertThat(call.path("auth_config").isNull()).isTrue();
    }

    @Test
    void theTemplatesPasswordCacheReachesMlflowAndANonNumberIsRefused() throws Exception {
        String fromTemplate = Templates.resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0)
                .path("Environment").findParents("Name").stream()
                .filter(variable -> variable.path("Name").asText().equals("DMLFLOW_AUTH_CACHE_SECONDS"))
                .findFirst().orElseThrow().path("Value").asText();
        env.put("DMLFLOW_AUTH_CACHE_SECONDS", fromTemplate);
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        assertThat(configparser(Path.of(onlyCall("mlflow").path("auth_config").asText()))
                .path("auth_cache_ttl_seconds").asText()).isEqualTo(fromTemplate).isNotEqualTo("0");
        assertThat(result.stderr).as("this stand-in MLflow has no auth config reader, so the cache is said to be off")
                .contains("does not read auth_cache_ttl_seconds");

        env.put("DMLFLOW_AUTH_CACHE_SECONDS", "1m");
        Result refused = run();
        assertThat(refused.exitCode).isEqualTo(64);
        assertThat(refused.stderr).contains("DMLFLOW_AUTH_CACHE_SECONDS must be a whole number of seconds, not '1m'");
    }

    @Test
    void theContainersPythonProgramsAreEmbeddedWholeAndNoMarkerIsLeft() {
        String script = scriptFromTemplate();
        for (String name : StartScript.PROGRAM_NAMES) {
            assertThat(script).as(name).contains("<<'PY'").contains("\n" + StartScript.program(name) + "PY\n");
        }
        assertThat(script).doesNotContain("dmlflow:embed");
    }

    /**
     * What the template carries is each program without its docstrings and comment lines
     * (StartScript.carried): the same statements, which Python compiles to the same code.
     */
    @Test
    void eachCarriedProgramIsTheSourcesCodeWithoutItsProse() throws Exception {
        for (String name : StartScript.PROGRAM_NAMES) {
            Path carried = dir.resolve("carried-" + name);
            Files.writeString(carried, StartScript.program(name));
            Path source = dir.resolve("source-" + name);
            Files.writeString(source, StartScript.read(StartScript.PROGRAMS + name));
            // Compared as ASTs without docstrings: a dropped docstring leaves a pass, which Python drops too.
            String compare = "import ast, sys\n"
                    + "def code(path):\n"
                    + "    tree = ast.parse(open(path).read())\n"
                    + "    for node in ast.walk(tree):\n"
                    + "        body = getattr(node, 'body', None)\n"
                    + "        if isinstance(body, list):\n"
                    + "            node.body = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)"
                    + " and isinstance(n.value.value, str)) and not isinstance(n, ast.Pass)]\n"
                    + "    return ast.dump(tree)\n"
                    + "sys.exit(0 if code(sys.argv[1]) == code(sys.argv[2]) else 1)\n";
            Process python = new ProcessBuilder("python3", "-c", compare, carried.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String output = new String(python.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(python.waitFor()).as(name + " carried as the same code: " + output).isZero();
        }
    }

    @Test
    void pythonLoadsDmlflowsAuthorizationCachesFromFilesTheScriptWritesAndMlflowKeepsItsOwnSignIn() throws Exception {
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        JsonNode call = onlyCall("mlflow");
        assertThat(configparser(Path.of(call.path("auth_config").asText())).path("authorization_function").asText())
                .as("another function would cost the UI its logout and fail MLflow 3.12's FastAPI routes")
                .isEqualTo("mlflow.server.auth:authenticate_request_basic_auth");
        Path folder = Path.of(call.path("pythonpath").asText().split(":")[0]);
        assertThat(Files.readString(folder.resolve("dmlflow_auth.py"))).isEqualTo(StartScript.program("dmlflow_auth.py"));
        assertThat(Files.readString(folder.resolve("sitecustomize.py"))).isEqualTo("import dmlflow_auth\n");
        assertThat(call.path("pythonpath").asText()).as("what the image had stays on the path").endsWith(":" + dir.resolve("site"));

        Files.delete(record);
        env.put("DMLFLOW_AUTH_CACHE_SECONDS", "0");
        Result off = run();
        assertThat(off.exitCode).as(off.stderr).isZero();
        assertThat(onlyCall("mlflow").path("pythonpath").asText()).as("no caches: nothing of dmlflow's on the path")
                .isEqualTo(dir.resolve("site").toString());
    }

    /**
     * ECS refuses a task definition over 65,536 bytes ("Actual length: '66420'. Max allowed length
     * is '65536' bytes", RegisterTaskDefinition's error quoted in awsdocs/amazon-ecs-developer-guide
     * PR #149, which corrected the documented limit). The start script and its Python programs are
     * most of ours: measured as ECS would see the JSON, each reference to another resource counted
     * as 256 bytes (an ARN is at most about that), with a quarter of the limit to spare.
     */
    @Test
    void theTaskDefinitionStaysWellUnderEcssSizeLimit() throws Exception {
        JsonNode properties = Templates.resource("TrackingTask").path("Properties");
        int bytes = JSON.writeValueAsBytes(resolved(properties)).length;
        assertThat(bytes).as("the task definition's size in bytes (ECS allows 65,536)").isLessThan(49_152);
    }

    private static JsonNode resolved(JsonNode node) {
        if (node.isObject() && node.size() == 1
                && (node.has("Ref") || node.fieldNames().next().startsWith("Fn::"))) {
            return JSON.getNodeFactory().textNode("x".repeat(256));
        }
        if (node.isObject()) {
            var copy = JSON.createObjectNode();
            node.fields().forEachRemaining(field -> copy.set(field.getKey(), resolved(field.getValue())));
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(item -> copy.add(resolved(item)));
            return copy;
        }
        return node;
    }

    @Test
    void aMissingSettingStopsTheContainerNamingIt() throws Exception {
        env.remove("DMLFLOW_DB_HOST");
        Result result = run();
        assertThat(result.exitCode).isEqualTo(64);
        assertThat(result.stderr).contains("DMLFLOW_DB_HOST is not set");
        assertThat(calls("mlflow")).isEmpty();
    }

    @Test
    void anAdminPasswordThatAnIniFileWouldAlterIsRefused() throws Exception {
        env.put("DMLFLOW_ADMIN_PASSWORD", " leading-space");
        Result result = run();
        assertThat(result.exitCode).isEqualTo(64);
        assertThat(result.stderr).contains("DMLFLOW_ADMIN_PASSWORD must not start or end with a space");
        assertThat(calls("mlflow")).isEmpty();
    }

    @Test
    void aLowerCaseNameIsListedOnce() throws Exception {
        env.put("DMLFLOW_ALLOWED_HOSTS", "mlflow.example.com");
        Result result = run();
        assertThat(result.exitCode).as(result.stderr).isZero();
        List<String> argv = strings(onlyCall("mlflow").path("argv"));
        assertThat(option(argv, "--allowed-hosts")).startsWith("mlflow.example.com,mlflow.example.com:*,localhost,");
    }

    @Test
    void secretsNeverReachTheLog() throws Exception {
        Result result = run();
        assertThat(result.stdout + result.stderr).doesNotContain("p@ss", "d%min", "k3y");
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private Result run() throws Exception {
        Path script = dir.resolve("start-mlflow.sh");
        Files.writeString(script, scriptFromTemplate());
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", script.toString());
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("start script finished").isTrue();
        return new Result(process.exitValue(), Files.readString(dir.resolve("stdout")), Files.readString(dir.resolve("stderr")));
    }

    private List<JsonNode> calls(String who) throws IOException {
        List<JsonNode> calls = new ArrayList<>();
        if (Files.exists(record)) {
            for (String line : Files.readAllLines(record)) {
                JsonNode call = JSON.readTree(line);
                if (call.path("who").asText().equals(who)) {
                    calls.add(call);
                }
            }
        }
        return calls;
    }

    private JsonNode onlyCall(String who) throws IOException {
        List<JsonNode> calls = calls(who);
        assertThat(calls).as("calls to %s", who).hasSize(1);
        return calls.get(0);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String option(List<String> argv, String name) {
        int at = argv.indexOf(name);
        assertThat(at).as("%s in %s", name, argv).isNotNegative();
        return argv.get(at + 1);
    }

    private JsonNode configparser(Path ini) throws Exception {
        Process python = new ProcessBuilder("python3", "-c",
                "import configparser, json, sys; c = configparser.ConfigParser(); c.read(sys.argv[1]);"
                        + " print(json.dumps(dict(c['mlflow'])))", ini.toString())
                .redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(out).isZero();
        return JSON.readTree(out);
    }

    private static void executable(Path path, String content) throws IOException {
        Files.writeString(path, content);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void module(Path site, String relative, String content) throws IOException {
        Path file = site.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** A SQLAlchemy URL taken apart the way SQLAlchemy does: percent-decoded user and password. */
    record DatabaseUrl(String scheme, String username, String password, String hostAndPath) {
        static DatabaseUrl parse(String url) {
            URI uri = URI.create(url);
            String[] userInfo = uri.getRawUserInfo().split(":", 2);
            assertThat(userInfo).as("user:password in %s", url).hasSize(2);
            return new DatabaseUrl(uri.getScheme(), decode(userInfo[0]), decode(userInfo[1]),
                    uri.getHost() + ":" + uri.getPort() + uri.getPath());
        }

        private static String decode(String part) {
            assertThat(part).as("raw user info is fully percent-encoded").doesNotContain("+", " ", "@");
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        }
    }
}

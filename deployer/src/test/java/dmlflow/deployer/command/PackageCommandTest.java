package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.Main;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.stack.Version;
import dmlflow.deployer.testing.Moto;
import dmlflow.deployer.testing.TestConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/**
 * The pipeline's two steps as its CodeBuild actions run them (buildspec.yml), against moto_server:
 * 'dmlflow package' makes the change set through an S3 template URL and records it, 'dmlflow
 * execute' runs it. A parameters file that leaves a data-bearing parameter out keeps the live
 * stack's value; one that changes it is refused with the values to put back.
 */
class PackageCommandTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final String ROLE = "arn:aws:iam::123456789012:role/dmlflow-pipeline-DeployRole";
    private static String moto;

    @TempDir
    Path dir;

    @BeforeAll
    static void moto() {
        moto = Moto.start();
    }

    @Test
    @Timeout(300)
    void createThenUpdateThroughRecordedChangeSetsAndAFileWithoutTheRestoreValuesKeepsThem() throws Exception {
        String stack = "pipeline-" + UUID.randomUUID().toString().substring(0, 8);
        Path jar = Files.writeString(dir.resolve("custom-resources.jar"), "jar bytes " + stack);
        Path record = dir.resolve("build/change-set.json");

        TestConsole packaged = new TestConsole();
        assertThat(run(packaged, packaging(stack, jar, file("{\"Greeting\": \"hello\", \"DatabaseSnapshotIdentifier\":"
                + " \"snap-kept\"}"), record))).as(packaged.all()).isZero();
        JsonNode created = new ObjectMapper().readTree(record.toFile());
        assertThat(created.path("stackName").asText()).isEqualTo(stack);
        assertThat(created.path("creating").asBoolean()).isTrue();
        assertThat(created.path("changeSetId").asText()).startsWith("arn:aws:cloudformation:");
        assertThat(status(stack)).as("nothing runs before the execute step").isEqualTo("REVIEW_IN_PROGRESS");
        assertThat(packaged.out()).contains("Packaging for stack " + stack, "test-stack.yaml", "/templates/", "recorded in " + record);

        execute(stack, record);
        assertThat(status(stack)).isEqualTo("CREATE_COMPLETE");
        assertThat(CloudFormationClient.create().describeStacks(r -> r.stackName(stack)).stacks().get(0).tags())
                .as("which dmlflow made it").anySatisfy(tag -> {
                    assertThat(tag.key()).isEqualTo(Version.TAG);
                    assertThat(tag.value()).isEqualTo(Version.current());
                });
        assertThat(parameters(stack)).containsEntry("DatabaseSnapshotIdentifier", "snap-kept");

        // The file leaves the snapshot out: the live value stays (the action would put the default, "").
        TestConsole update = new TestConsole();
        assertThat(run(update, packaging(stack, jar, file("{\"Greeting\": \"hi\"}"), record))).as(update.all()).isZero();
        execute(stack, record);
        assertThat(parameters(stack)).containsEntry("Greeting", "hi").containsEntry("DatabaseSnapshotIdentifier", "snap-kept");

        // The file changes it: refused before anything runs, with the value to put back.
        TestConsole swap = new TestConsole();
        assertThat(run(swap, packaging(stack, jar, file("{\"Greeting\": \"hi\", \"DatabaseSnapshotIdentifier\":"
                + " \"snap-other\"}"), dir.resolve("refused.json")))).isEqualTo(1);
        assertThat(swap.err()).contains("a pipeline does not do that unasked", "\"DatabaseSnapshotIdentifier\": \"snap-kept\"",
                "--confirm-data-changes");
        assertThat(dir.resolve("refused.json")).doesNotExist();
        assertThat(executableChangeSets(stack)).as("the refused change set was deleted").isEmpty();

        // Nothing to change: an empty record, and the execute step ends at once.
        TestConsole same = new TestConsole();
        assertThat(run(same, packaging(stack, jar, file("{\"Greeting\": \"hi\"}"), record))).as(same.all()).isZero();
        assertThat(new ObjectMapper().readTree(record.toFile()).path("empty").asBoolean()).isTrue();
        TestConsole nothing = new TestConsole();
        assertThat(run(nothing, "execute", "--change-set-file", record.toString(), "--poll-seconds", "0.1"))
                .as(nothing.all()).isZero();
        assertThat(nothing.out()).contains("No changes");
    }

    @Test
    void refusesBadParametersBeforeUploadingAnything() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.json"), "{\"Parameters\": {\"TaskCpu\": \"3\"}}");
        TestConsole console = new TestConsole();
        int code = Main.run(new String[] {"package", "--parameters", file.toString(),
            "--template", ROOT.resolve("templates/mlflow.yaml").toString()}, console.console, options -> {
                throw new AssertionError("must not reach AWS");
            });
        assertThat(code).isEqualTo(2);
        assertThat(console.err()).contains("TaskCpu '3' must be one of");

        TestConsole role = new TestConsole();
        assertThat(Main.run(new String[] {"package", "--role-arn", "deploy-role"}, role.console, options -> {
            throw new AssertionError("must not reach AWS");
        })).isEqualTo(2);
        assertThat(role.err()).contains("--role-arn 'deploy-role' is not an IAM role ARN");

        TestConsole noRecord = new TestConsole();
        assertThat(Main.run(new String[] {"execute", "--change-set-file", dir.resolve("none.json").toString()},
                noRecord.console, options -> {
                    throw new AssertionError("must not reach AWS");
                })).isEqualTo(2);
        assertThat(noRecord.err()).contains("run './deploy.sh package' first");
    }

    @Test
    void theMlflowTemplatesChangeSetIsMadeFromS3AndCarriesTheVersion() throws Exception {
        String stack = "pipeline-" + UUID.randomUUID().toString().substring(0, 8);
        Path jar = Files.writeString(dir.resolve("custom-resources.jar"), "jar bytes " + stack);
        TestConsole packaged = new TestConsole();
        String[] args = packaging(stack, jar, ROOT.resolve("pipeline/mlflow-parameters.json"), dir.resolve("record.json"));
        args[java.util.Arrays.asList(args).indexOf("--template") + 1] = ROOT.resolve("templates/mlflow.yaml").toString();
        assertThat(run(packaged, args)).as(packaged.all()).isZero();
        String id = readId(dir.resolve("record.json"));
        var changeSet = CloudFormationClient.create().describeChangeSet(r -> r.changeSetName(id));
        assertThat(changeSet.parameters()).anySatisfy(parameter -> {
            assertThat(parameter.parameterKey()).isEqualTo(Version.PARAMETER);
            assertThat(parameter.parameterValue()).isEqualTo(Version.current());
        });
    }

    private String[] packaging(String stack, Path jar, Path parameters, Path record) {
        List<String> args = new ArrayList<>(List.of("package", "--stack-name", stack, "--parameters", parameters.toString(),
                "--role-arn", ROLE, "--output", record.toString(), "--jar", jar.toString(), "--poll-seconds", "0.1",
                "--template", ROOT.resolve("deployer/src/test/resources/test-stack.yaml").toString(),
                "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString(),
                "--prices", ROOT.resolve("pricing").toString()));
        return args.toArray(String[]::new);
    }

    private void execute(String stack, Path record) throws Exception {
        TestConsole executed = new TestConsole();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, stack, "HealthGate",
                "{\"MlflowVersion\":\"3.17.0\"}")) {
            assertThat(run(executed, "execute", "--change-set-file", record.toString(), "--poll-seconds", "0.1",
                    "--timeout-minutes", "2")).as("%s%nanswerer's last error: %s", executed.all(), answerer.lastError())
                    .isZero();
        }
        assertThat(executed.out()).contains("Executing the change set for stack " + stack, "Stack " + stack + " is ");
    }

    private Path file(String parameters) throws Exception {
        return Files.writeString(Files.createTempFile(dir, "parameters", ".json"), "{\"Parameters\": " + parameters + "}");
    }

    private static String readId(Path record) throws Exception {
        return new ObjectMapper().readTree(record.toFile()).path("changeSetId").asText();
    }

    private static String status(String stack) {
        return CloudFormationClient.create().describeStacks(r -> r.stackName(stack)).stacks().get(0).stackStatusAsString();
    }

    private static Map<String, String> parameters(String stack) {
        Map<String, String> values = new TreeMap<>();
        CloudFormationClient.create().describeStacks(r -> r.stackName(stack)).stacks().get(0).parameters()
                .forEach(p -> values.put(p.parameterKey(), p.parameterValue()));
        return values;
    }

    private static List<String> executableChangeSets(String stack) {
        // Filtered by stack here too: moto 5.2's ListChangeSets answers every stack's.
        return CloudFormationClient.create().listChangeSets(r -> r.stackName(stack)).summaries().stream()
                .filter(summary -> stack.equals(summary.stackName()))
                .filter(summary -> "AVAILABLE".equals(summary.executionStatusAsString()))
                .map(summary -> summary.changeSetName()).toList();
    }

    private static int run(TestConsole console, String... args) {
        return Main.run(args, console.console, AwsSession::new);
    }
}

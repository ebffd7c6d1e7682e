package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dmlflow.deployer.Main;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.testing.TestConsole;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as picocli reads it, separate from running anything. */
class CommandLineParsingTest {
    @Test
    void deployTakesRepeatedParametersAndTheSharedOptions() {
        DeployCommand deploy = CommandLine.populateCommand(new DeployCommand(), "--stack-name", "ml-prod", "--region",
                "eu-central-1", "--profile", "ops", "-p", "Workers=4", "-p", "AuthMode=none", "--parameters", "cfg.json", "--yes");
        assertThat(deploy.options.stackName).isEqualTo("ml-prod");
        assertThat(deploy.options.region).isEqualTo("eu-central-1");
        assertThat(deploy.options.profile).isEqualTo("ops");
        assertThat(deploy.change.yes).isTrue();
        assertThat(deploy.inputs.assignments).containsExactly("Workers=4", "AuthMode=none");
        assertThat(deploy.inputs.parametersFile).isEqualTo(Path.of("cfg.json"));
        assertThat(deploy.inputs.template()).isEqualTo(Path.of("templates/mlflow.yaml"));
        assertThat(deploy.inputs.jar()).isEqualTo(Path.of("custom-resources/target/custom-resources.jar"));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        RemoveCommand remove = CommandLine.populateCommand(new RemoveCommand());
        assertThat(remove.options.stackName).isEqualTo("mlflow");
        assertThat(remove.change.yes).isFalse();
        assertThat(remove.deleteData).isFalse();
        assertThat(remove.change.timeoutMinutes).isEqualTo(120);
    }

    @Test
    void badStackNamesAndRegionsAreUsageErrors() {
        DeployCommand deploy = CommandLine.populateCommand(new DeployCommand(), "--stack-name", "9lives");
        assertThatThrownBy(deploy.options::validate).isInstanceOf(DeployerException.class).hasMessageContaining("not a stack name");
        DeployCommand region = CommandLine.populateCommand(new DeployCommand(), "--region", "Europe");
        assertThatThrownBy(region.options::validate).hasMessageContaining("not an AWS region name");
    }

    @Test
    void unknownOptionsAndMissingCommandsExitWithTwo() {
        TestConsole console = new TestConsole();
        assertThat(Main.run(new String[] {"deploy", "--nope"}, console.console, o -> null)).isEqualTo(2);
        assertThat(Main.run(new String[] {}, console.console, o -> null)).isEqualTo(2);
        assertThat(Main.run(new String[] {"launch"}, console.console, o -> null)).isEqualTo(2);
    }

    /** deploy.sh hands dmlflow a word it does not know as a command, so that this names the closest. */
    @Test
    void aMisspeltCommandGetsTheClosestOneDeploysHelpNamesEveryCommandAndEachPrintsTheVersion() {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        java.io.PrintStream out = System.out;
        int code;
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            code = Main.run(new String[] {"stauts"}, new TestConsole().console, o -> null);
            Main.run(new String[] {"deploy", "--help"}, new TestConsole().console, o -> null);
            Main.run(new String[] {"deploy", "-V"}, new TestConsole().console, o -> null);
            Main.run(new String[] {"remove", "--version"}, new TestConsole().console, o -> null);
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        String shown = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(2);
        assertThat(shown).doesNotContain("did you mean").as("the usage error goes to the console, the help to stdout");
        assertThat(shown).contains("Other commands: ./deploy.sh status | outputs | logs | users | plan, ./remove.sh,\n"
                + "and for CodePipeline ./deploy.sh package | execute");
        assertThat(shown.lines().filter(line -> line.startsWith("dmlflow ")).count())
                .as("./deploy.sh -V and ./remove.sh --version print the version").isEqualTo(2);
    }

    /** deploy.sh hands every command but deploy and remove (remove.sh's) to dmlflow by name. */
    @Test
    void deploySHRoutesEveryOtherCommandTheCliHas() throws Exception {
        String script = java.nio.file.Files.readString(Path.of(System.getProperty("dmlflow.root"), "deploy.sh"));
        java.util.regex.Matcher routed = java.util.regex.Pattern.compile("(?m)^  ([a-z |]+)\\) exec").matcher(script);
        assertThat(routed.find()).as(script).isTrue();
        java.util.Set<String> commands = new java.util.TreeSet<>(new picocli.CommandLine(new Main()).getSubcommands().keySet());
        commands.removeAll(java.util.Set.of("deploy", "remove"));
        assertThat(new java.util.TreeSet<>(java.util.List.of(routed.group(1).split("\\s*\\|\\s*")))).isEqualTo(commands);
    }

    /** --yes and --timeout-minutes only where something is confirmed and followed. */
    @Test
    void eachCommandsHelpOffersOnlyTheOptionsItUses() {
        CommandLine cli = new CommandLine(new Main());
        for (String quiet : List.of("status", "outputs", "logs", "plan")) {
            assertThat(cli.getSubcommands().get(quiet).getUsageMessage()).as(quiet)
                    .doesNotContain("--yes", "--timeout-minutes");
        }
        assertThat(cli.getSubcommands().get("users").getSubcommands().get("add").getUsageMessage())
                .doesNotContain("--yes", "--timeout-minutes").contains("--stack-name");
        for (String changing : List.of("deploy", "remove", "package", "execute")) {
            assertThat(cli.getSubcommands().get(changing).getUsageMessage()).as(changing)
                    .contains("--yes", "--timeout-minutes");
        }
    }

    @Test
    void withoutATerminalAConfirmationNamesTheFlagThatGivesIt() {
        Console console = new TestConsole().console;
        assertThatThrownBy(() -> console.confirm("Delete it?", "yes", "pass --yes to delete it"))
                .isInstanceOf(DeployerException.class).hasMessageContaining("pass --yes to delete it");
    }

    @Test
    void onATerminalOnlyTheExactAnswerConfirms() {
        assertThat(new TestConsole(true, "yes\n").console.confirm("Go?", "yes", "")).isTrue();
        assertThat(new TestConsole(true, "y\n").console.confirm("Go?", "yes", "")).isFalse();
        assertThat(new TestConsole(true, "").console.confirm("Go?", "yes", "")).isFalse();
    }
}

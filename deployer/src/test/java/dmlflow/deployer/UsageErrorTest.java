package dmlflow.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.testing.TestConsole;
import org.junit.jupiter.api.Test;

/** A command line that cannot be read: the closest match, a short usage line, exit 2; nothing reaches AWS. */
class UsageErrorTest {
    private final TestConsole console = new TestConsole();

    private int run(String... args) {
        return Main.run(args, console.console, options -> {
            throw new AssertionError("a usage error reached for AWS");
        });
    }

    @Test
    void aMisspeltCommandGetsTheClosestOneAsThePersonTypesIt() {
        assertThat(run("stauts")).isEqualTo(2);
        assertThat(console.err().lines()).containsExactly(
                "Error: 'stauts' is not a command: did you mean ./deploy.sh status?",
                "Usage: ./deploy.sh [COMMAND] [OPTIONS]   (./deploy.sh --help lists the commands and options)");
        assertThat(console.out()).isEmpty();
    }

    @Test
    void aMisspeltSubcommandToo() {
        assertThat(run("users", "ad", "bob")).isEqualTo(2);
        assertThat(console.err()).contains("did you mean ./deploy.sh users add?");
    }

    @Test
    void aMisspeltOptionGetsTheClosestOptionOfThatCommand() {
        assertThat(run("deploy", "--stak-name", "x")).isEqualTo(2);
        assertThat(console.err().lines()).containsExactly(
                "Error: unknown option --stak-name for ./deploy.sh: did you mean --stack-name?",
                "Usage: ./deploy.sh [OPTIONS]   (./deploy.sh --help lists the options)");
    }

    @Test
    void anOptionOfOtherCommandsSaysWhichHaveIt() {
        assertThat(run("status", "-p", "TaskCpu=1024")).isEqualTo(2);
        assertThat(console.err()).contains("Error: unknown option -p for ./deploy.sh status: it is an option of"
                + " ./deploy.sh, ./deploy.sh plan, ./deploy.sh package");
        assertThat(run("remove", "--delete-dat")).isEqualTo(2);
        assertThat(console.err()).contains("unknown option --delete-dat for ./remove.sh: did you mean --delete-data?");
    }

    @Test
    void aStrayWordIsNamed() {
        assertThat(run("remove", "mlflow")).isEqualTo(2);
        assertThat(console.err()).contains("Error: ./remove.sh takes no argument 'mlflow'",
                "Usage: ./remove.sh [OPTIONS]");
    }
}

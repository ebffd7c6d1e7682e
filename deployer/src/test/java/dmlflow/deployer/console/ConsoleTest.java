package dmlflow.deployer.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Terminal detection (on JDK 22 to 24 a console exists even when output is piped). */
class ConsoleTest {
    @Test
    void noConsoleIsNoTerminal() {
        assertThat(Console.interactive(null)).isFalse();
    }

    @Test
    void underTheTestRunnerOutputIsPipedSoThereIsNoTerminal() {
        // Surefire pipes the forked JVM's streams: JDK 17 gives no console, JDK 22+ one that is no terminal.
        assertThat(Console.interactive(System.console())).isFalse();
    }
}

package dmlflow.deployer.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Terminal detection (on JDK 22 to 24 a console exists even when output is piped), width and colour. */
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

    @Test
    void coloursOnlyOnATerminalAndNeverWithNoColor() {
        assertThat(Console.colour(true, null)).isTrue();
        assertThat(Console.colour(true, "")).as("no-color.org: set to something but empty").isTrue();
        assertThat(Console.colour(true, "1")).isFalse();
        assertThat(Console.colour(false, null)).isFalse();
    }

    @Test
    void theWidthIsTheTerminalsOrTheUsualEightyAndNothingIsCutWhenPiped() {
        assertThat(Console.columns(true, "132")).isEqualTo(132);
        assertThat(Console.columns(true, "0")).as("stty gave no size").isEqualTo(80);
        assertThat(Console.columns(true, null)).isEqualTo(80);
        assertThat(Console.columns(false, "132")).isZero();
    }

    @Test
    void theLiveLineIsCutToTheWidthAndClearedWhileWholeLinesStayWhole() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Console console = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err,
                new BufferedReader(new StringReader("")), true, 40, false);
        String live = "[3/97] 02:15  in progress: Database, DatabaseInstance, TrackingService and 2 more";
        console.progress(live);
        console.info(live);
        String shown = bytes.toString(StandardCharsets.UTF_8);
        String drawn = shown.substring(shown.indexOf("[3/97]"), shown.indexOf("\r", shown.indexOf("[3/97]")));
        assertThat(drawn.codePointCount(0, drawn.length())).isEqualTo(39);
        assertThat(drawn).endsWith("…");
        assertThat(shown).endsWith("\r\033[2K" + live + System.lineSeparator());
    }

    @Test
    void colourWrapsTheLineAndResetsIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Console console = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err,
                new BufferedReader(new StringReader("")), true, 80, true);
        console.success("ready");
        console.warn("careful");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("\033[32mready\033[0m" + System.lineSeparator()
                + "\033[33mcareful\033[0m" + System.lineSeparator());
    }
}

package dmlflow.deployer.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Where the deployer talks to its operator: progress to stdout, errors to stderr, questions on
 * a terminal only. Live (rewritten) progress lines only on a terminal; plain lines in CI.
 */
public final class Console {
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean terminal;
    private boolean progressShown;

    public Console(PrintStream out, PrintStream err, BufferedReader in, boolean terminal) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.terminal = terminal;
    }

    public static Console system() {
        boolean terminal = interactive(System.console()) && System.getenv("CI") == null
                && !"dumb".equals(System.getenv("TERM"));
        return new Console(System.out, System.err,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), terminal);
    }

    /**
     * Whether the JVM's console is a terminal. From JDK 22 on, {@code System.console()} is not null
     * even when output is piped; {@code Console.isTerminal()} (JDK 22+) tells. Before 22 a console
     * exists only when both standard streams are a terminal.
     */
    static boolean interactive(java.io.Console console) {
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException beforeJdk22) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    public boolean terminal() {
        return terminal;
    }

    public void info(String line) {
        clearProgress();
        out.println(line);
        out.flush();
    }

    public void error(String line) {
        clearProgress();
        err.println(line);
        err.flush();
    }

    /** Rewrites the one live status line (terminal only). */
    public void progress(String line) {
        if (terminal) {
            out.print("\r\033[2K" + line);
            out.flush();
            progressShown = true;
        }
    }

    public void clearProgress() {
        if (progressShown) {
            out.print("\r\033[2K");
            out.flush();
            progressShown = false;
        }
    }

    /**
     * Asks for an exact answer; without a terminal there is nobody to ask, and {@code howToSkip}
     * says which flag answers instead.
     */
    public boolean confirm(String question, String expected, String howToSkip) {
        if (!terminal) {
            throw DeployerException.failed(question + " — not on a terminal, so nobody can answer: " + howToSkip);
        }
        clearProgress();
        out.print(question + " ");
        out.flush();
        try {
            String answer = in.readLine();
            return answer != null && answer.trim().equals(expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

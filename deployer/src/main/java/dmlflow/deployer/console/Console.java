package dmlflow.deployer.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Where the deployer talks to its operator: progress to stdout, errors to stderr, questions on
 * a terminal only. Live (rewritten) progress lines only on a terminal; plain lines in CI. On a
 * terminal the live line is cut to its width and failures, warnings and the ready line are
 * coloured, unless NO_COLOR is set (no-color.org); piped, the same words without either.
 */
public final class Console {
    /** The live line's width when a terminal does not say its own (deploy.sh passes stty's). */
    static final int DEFAULT_COLUMNS = 80;
    private static final String RED = "\033[31m";
    private static final String YELLOW = "\033[33m";
    private static final String GREEN = "\033[32m";
    private static final String RESET = "\033[0m";

    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean terminal;
    private final int columns;
    private final boolean colour;
    private final boolean colourErrors;
    private boolean progressShown;

    public Console(PrintStream out, PrintStream err, BufferedReader in, boolean terminal) {
        this(out, err, in, terminal, terminal ? DEFAULT_COLUMNS : 0, false);
    }

    /**
     * @param columns the terminal's width, 0 for output that is not one (nothing is cut)
     * @param colour whether failures, warnings and the ready line are coloured
     */
    public Console(PrintStream out, PrintStream err, BufferedReader in, boolean terminal, int columns, boolean colour) {
        this(out, err, in, terminal, columns, colour, colour);
    }

    /** @param colourErrors whether errors are coloured: standard error may go to a file when output does not */
    Console(PrintStream out, PrintStream err, BufferedReader in, boolean terminal, int columns, boolean colour,
            boolean colourErrors) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.terminal = terminal;
        this.columns = columns;
        this.colour = colour;
        this.colourErrors = colourErrors;
    }

    public static Console system() {
        boolean terminal = interactive(System.console()) && System.getenv("CI") == null
                && !"dumb".equals(System.getenv("TERM"));
        boolean colour = colour(terminal, System.getenv("NO_COLOR"));
        // deploy.sh says whether standard error is a terminal too (./deploy.sh 2>log keeps the log plain).
        return new Console(System.out, System.err,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), terminal,
                columns(terminal, System.getProperty("dmlflow.columns")), colour,
                colour && !"0".equals(System.getProperty("dmlflow.stderr-terminal")));
    }

    /** The width deploy.sh measured (stty size), the usual 80 on a terminal that gave none, 0 piped. */
    static int columns(boolean terminal, String measured) {
        if (!terminal) {
            return 0;
        }
        try {
            int columns = measured == null ? 0 : Integer.parseInt(measured.strip());
            return columns >= 20 ? columns : DEFAULT_COLUMNS;
        } catch (NumberFormatException e) {
            return DEFAULT_COLUMNS;
        }
    }

    /** Colours on a terminal only, and never when NO_COLOR is set to anything but empty (no-color.org). */
    static boolean colour(boolean terminal, String noColor) {
        return terminal && (noColor == null || noColor.isEmpty());
    }

    /** The terminal's width; 0 when output is not a terminal. */
    public int columns() {
        return columns;
    }

    /** A line cut to the terminal's width (with an ellipsis), so that rewriting it leaves no stale lines. */
    String fit(String line) {
        if (columns <= 0 || line.codePointCount(0, line.length()) < columns) {
            return line;
        }
        return line.substring(0, line.offsetByCodePoints(0, columns - 2)) + "…";
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
        err.println(colourErrors ? RED + line + RESET : line);
        err.flush();
    }

    /** A risk the operator should weigh before going on: yellow on a terminal. */
    public void warn(String line) {
        clearProgress();
        out.println(paint(YELLOW, line));
        out.flush();
    }

    /** The line that says the work is done and where to find it: green on a terminal. */
    public void success(String line) {
        clearProgress();
        out.println(paint(GREEN, line));
        out.flush();
    }

    private String paint(String colourCode, String line) {
        return colour ? colourCode + line + RESET : line;
    }

    /** Rewrites the one live status line (terminal only), cut to the terminal's width. */
    public void progress(String line) {
        if (terminal) {
            out.print("\r\033[2K" + fit(line));
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

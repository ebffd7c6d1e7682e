package dmlflow.deployer.testing;

import dmlflow.deployer.console.Console;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/** A console with no terminal (as in CI) whose output a test reads back. */
public final class TestConsole {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    public final Console console;

    public TestConsole() {
        this(false, "");
    }

    public TestConsole(boolean terminal, String typed) {
        console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new BufferedReader(new StringReader(typed)), terminal);
    }

    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    public String all() {
        return out() + err();
    }
}

package dmlflow.deployer.command;

import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Local tools: Java runs this; Node.js is what the template generator needs to synthesize. */
final class Preflight {
    private Preflight() {
    }

    static void check(Console console) {
        if (Runtime.version().feature() < 17) {
            throw DeployerException.failed("Java " + Runtime.version() + " is too old: dmlflow needs Java 17 or later");
        }
        if (!available("node", "--version")) {
            console.info("Note: Node.js is not on PATH. Deploying the committed templates does not need it;"
                    + " regenerating them (template-generator) does.");
        }
    }

    static boolean available(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

package dmlflow.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real MLflow tracking server and client for the tests, found the way a user's machine can:
 * <ol>
 *   <li>{@code DMLFLOW_TEST_MLFLOW}: a virtual environment that already holds MLflow;</li>
 *   <li>beside this repository's checkouts on dmlflow's build machines, {@code ../shared/mlflow-local}
 *       (MLflow built from source, for machines without a package index), installed into the build folder;</li>
 *   <li>elsewhere, {@code pip install} of the version the template deploys, into the build folder.</li>
 * </ol>
 * It never skips: when none of these works the tests fail, saying what was tried.
 */
public final class RealMlflow {
    /** The MLflow the template's default image carries; pip installs this one. */
    public static final String PINNED = "3.17.0";
    /** custom-resources/target/mlflow, from either module that runs a real MLflow: installed once a build. */
    private static final Path VENV = Path.of("..", "custom-resources", "target", "mlflow").toAbsolutePath().normalize();
    private static final Path LOCAL_WHEELS = Path.of("..", "..", "shared", "mlflow-local", "install.sh");
    private static Path bin;

    private RealMlflow() {
    }

    /** The bin folder holding {@code mlflow} and the {@code python3} that imports it. */
    public static synchronized Path bin() {
        if (bin == null) {
            bin = locate();
        }
        return bin;
    }

    private static Path locate() {
        String given = System.getenv("DMLFLOW_TEST_MLFLOW");
        if (given != null && !given.isBlank()) {
            Path dir = Path.of(given, "bin");
            if (!Files.isExecutable(dir.resolve("mlflow"))) {
                throw new IllegalStateException("DMLFLOW_TEST_MLFLOW=" + given + " holds no bin/mlflow");
            }
            return dir;
        }
        String tried;
        if (Files.isRegularFile(LOCAL_WHEELS)) {
            tried = "../shared/mlflow-local/install.sh " + VENV;
            run(tried, List.of("bash", LOCAL_WHEELS.toAbsolutePath().normalize().toString(), VENV.toString()));
        } else {
            tried = "python3 -m venv " + VENV + " and pip install 'mlflow[auth]==" + PINNED + "' pymysql boto3";
            if (!Files.isExecutable(VENV.resolve("bin/mlflow"))) {
                run(tried, List.of("python3", "-m", "venv", VENV.toString()));
                run(tried, List.of(VENV.resolve("bin/pip").toString(), "install", "--quiet",
                        "mlflow[auth]==" + PINNED, "pymysql", "boto3"));
            }
        }
        Path dir = VENV.resolve("bin");
        if (!Files.isExecutable(dir.resolve("mlflow"))) {
            throw new IllegalStateException("no MLflow after " + tried);
        }
        return dir;
    }

    private static void run(String what, List<String> command) {
        try {
            Path log = Files.createTempFile("dmlflow-mlflow-install", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("cannot install a real MLflow for the tests (" + what + "):\n"
                        + Files.readString(log, StandardCharsets.UTF_8)
                        + "\nInstall MLflow " + PINNED + " with its auth extra, PyMySQL and boto3 into a virtual"
                        + " environment and point DMLFLOW_TEST_MLFLOW at it.");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot install a real MLflow for the tests (" + what + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

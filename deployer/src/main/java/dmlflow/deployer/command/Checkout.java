package dmlflow.deployer.command;

import java.nio.file.Path;

/**
 * The files the CLI reads from the dmlflow checkout it came with. deploy.sh and remove.sh run it
 * in the caller's own directory (so a path the user types means what it means in their shell)
 * and name the checkout in the {@code dmlflow.home} property; run by hand or in the pipeline's
 * build, the checkout is the working directory.
 */
final class Checkout {
    static final String HOME_PROPERTY = "dmlflow.home";
    static final String TEMPLATE = "templates/mlflow.yaml";
    static final String BOOTSTRAP_TEMPLATE = "templates/bootstrap.yaml";
    static final String PRICES = "pricing";
    static final String JAR = "custom-resources/target/custom-resources.jar";

    private Checkout() {
    }

    /** The path the user gave (relative to their directory), or else the checkout's file. */
    static Path fileOr(Path given, String inCheckout) {
        return given != null ? given : Path.of(System.getProperty(HOME_PROPERTY, ".")).resolve(inCheckout).normalize();
    }
}

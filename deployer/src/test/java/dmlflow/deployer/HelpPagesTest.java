package dmlflow.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.stack.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --help and -V answer at once: deploy.sh and remove.sh print the committed help pages and the
 * version before they would build, and those pages are exactly what the CLI prints.
 */
class HelpPagesTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void theCommittedPagesAreWhatTheCliPrints() throws IOException {
        Path help = ROOT.resolve("deployer/help");
        Map<String, String> pages = HelpPages.pages();
        assertThat(pages).containsKeys("dmlflow", "deploy", "remove", "status", "logs", "users", "users-add", "execute");
        try (Stream<Path> files = Files.list(help)) {
            assertThat(files.map(file -> file.getFileName().toString().replaceAll("\\.txt$", "")))
                    .as("deployer/help/ is generated: run sh scripts/update-help.sh and commit it")
                    .containsExactlyInAnyOrderElementsOf(pages.keySet());
        }
        pages.forEach((name, text) -> assertThat(read(help.resolve(name + ".txt")))
                .as("deployer/help/%s.txt is generated: run sh scripts/update-help.sh and commit it", name).isEqualTo(text));
    }

    /** In a checkout with no build and no Maven at all, from another directory: nothing to wait for. */
    @Test
    void theScriptsAnswerHelpAndVersionWithoutABuild() throws Exception {
        Path checkout = Files.createDirectory(dir.resolve("checkout"));
        for (String file : List.of("deploy.sh", "remove.sh", "pom.xml", "scripts/answer-without-build.sh")) {
            Files.createDirectories(checkout.resolve(file).getParent());
            Files.copy(ROOT.resolve(file), checkout.resolve(file));
        }
        copyTree(ROOT.resolve("deployer/help"), checkout.resolve("deployer/help"));
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));

        assertThat(run(elsewhere, checkout.resolve("deploy.sh").toString(), "--help")).isEqualTo(page("deploy"));
        assertThat(run(elsewhere, checkout.resolve("deploy.sh").toString(), "users", "add", "--help"))
                .isEqualTo(page("users-add"));
        assertThat(run(elsewhere, checkout.resolve("remove.sh").toString(), "-h")).isEqualTo(page("remove"));
        assertThat(run(elsewhere, checkout.resolve("deploy.sh").toString(), "-V").strip())
                .as("as the CLI says it, without git in this copy").isEqualTo("dmlflow " + Version.of("0.1.0-SNAPSHOT", null));
        String describe = new String(new ProcessBuilder("git", "describe", "--tags", "--always", "--dirty")
                .directory(ROOT.toFile()).start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(run(elsewhere, ROOT.resolve("deploy.sh").toString(), "status", "-V").strip())
                .as("in this checkout, its git describe").isEqualTo("dmlflow " + Version.of("0.1.0-SNAPSHOT", describe));
    }

    private static String page(String name) {
        return HelpPages.pages().get(name);
    }

    private static String run(Path directory, String... command) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of("bash"));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("answered at once").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(missing: " + file + ")";
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}

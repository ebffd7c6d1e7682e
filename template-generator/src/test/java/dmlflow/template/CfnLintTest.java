package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** AWS's own CloudFormation linter over every committed template, with the committed settings. */
class CfnLintTest {
    @Test
    void committedTemplatesPassCfnLint() throws Exception {
        Path root = Templates.repositoryRoot();
        List<String> command = new ArrayList<>(List.of("cfn-lint", "--config-file", ".cfnlintrc.yaml", "--"));
        try (Stream<Path> templates = Files.list(root.resolve("templates"))) {
            templates.filter(p -> p.toString().endsWith(".yaml"))
                    .sorted()
                    .forEach(p -> command.add(root.relativize(p).toString()));
        }
        assertThat(command).as("templates to lint").hasSizeGreaterThan(6);

        Process lint = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        boolean finished = lint.waitFor(120, TimeUnit.SECONDS);
        String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(finished).as("cfn-lint finished within 120 s").isTrue();
        assertThat(lint.exitValue()).as("cfn-lint said:%n%s", output).isZero();
    }
}

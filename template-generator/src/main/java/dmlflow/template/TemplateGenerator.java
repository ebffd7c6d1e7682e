package dmlflow.template;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes what is generated from the templates into a repository: templates/*.yaml,
 * img/architecture.svg and the parameter table in README.md.
 * Usage: TemplateGenerator [REPOSITORY_ROOT] (default: the current directory).
 */
public final class TemplateGenerator {
    private TemplateGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Synthesis synthesis = Synthesis.run();
        synthesis.writeTo(root.resolve("templates"));
        Files.createDirectories(root.resolve("img"));
        Files.writeString(root.resolve("img/architecture.svg"), synthesis.architecture());
        Path readme = root.resolve("README.md");
        Files.writeString(readme, synthesis.readme(Files.readString(readme)));
    }
}

package dmlflow.template;

import java.nio.file.Path;

/**
 * Writes templates/*.yaml, img/architecture.svg and the parameter table in README.md.
 * Usage: TemplateGenerator [TEMPLATES_DIR] (default: templates; img/ and README.md beside it).
 */
public final class TemplateGenerator {
    private TemplateGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path outputDir = Path.of(args.length > 0 ? args[0] : "templates");
        Synthesis synthesis = Synthesis.run();
        synthesis.writeTo(outputDir);
        Path img = outputDir.toAbsolutePath().getParent().resolve("img");
        java.nio.file.Files.createDirectories(img);
        java.nio.file.Files.writeString(img.resolve("architecture.svg"), synthesis.architecture());
        Path readme = outputDir.toAbsolutePath().getParent().resolve("README.md");
        java.nio.file.Files.writeString(readme, synthesis.readme(java.nio.file.Files.readString(readme)));
    }
}

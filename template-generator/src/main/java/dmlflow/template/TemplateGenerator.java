package dmlflow.template;

import java.nio.file.Path;

/** Writes templates/mlflow.yaml. Usage: TemplateGenerator [OUTPUT_DIR] (default: templates). */
public final class TemplateGenerator {
    private TemplateGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path outputDir = Path.of(args.length > 0 ? args[0] : "templates");
        Synthesis synthesis = Synthesis.run();
        synthesis.writeTo(outputDir);
    }
}

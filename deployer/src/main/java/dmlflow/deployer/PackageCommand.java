package dmlflow.deployer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * For CodePipeline: uploads the custom-resources jar and writes the template configuration its
 * CloudFormation action reads, with the jar's location added to the given parameters.
 */
@Command(name = "package", mixinStandardHelpOptions = true,
        description = "Upload the custom-resources jar and write a CodePipeline template configuration"
                + " ({\"Parameters\":{…},\"Tags\":{…}}) holding the given parameters and the jar's location.")
final class PackageCommand extends BaseCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = {"-p", "--parameter"}, paramLabel = "KEY=VALUE", description = "A template parameter (repeatable).")
    List<String> assignments = new ArrayList<>();

    @Option(names = "--parameters", paramLabel = "FILE", description = "Parameters and tags in template-configuration format.")
    Path parametersFile;

    @Option(names = "--output", defaultValue = "build/template-config.json", paramLabel = "FILE",
            description = "Where to write the template configuration (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--template", defaultValue = "templates/mlflow.yaml", paramLabel = "FILE",
            description = "The stack template (default: ${DEFAULT-VALUE}).")
    Path templatePath;

    @Option(names = "--bootstrap-template", defaultValue = "templates/bootstrap.yaml", paramLabel = "FILE",
            description = "The assets-bucket template (default: ${DEFAULT-VALUE}).")
    Path bootstrapPath;

    @Option(names = "--jar", defaultValue = "custom-resources/target/custom-resources.jar", paramLabel = "FILE",
            description = "The custom-resources jar (default: ${DEFAULT-VALUE}).")
    Path jar;

    @Override
    public Integer call() {
        StackTemplate template = StackTemplate.load(templatePath);
        ParameterInput input = ParameterInput.of(assignments, parametersFile);
        ParameterValidator validator = new ParameterValidator(template);
        validator.checkNames(input.parameters(), Set.of(DeployCommand.CODE_BUCKET, DeployCommand.CODE_KEY));
        validator.checkValues(input.parameters());
        if (!Files.isRegularFile(jar)) {
            throw DeployerException.usage("no custom-resources jar at " + jar + ": build it first");
        }
        try (AwsSession aws = session()) {
            announce(aws, "Packaging for");
            AssetStore assets = AssetStore.ensure(aws, bootstrapPath, watcher(aws), console);
            Map<String, String> parameters = new LinkedHashMap<>(input.parameters());
            parameters.put(DeployCommand.CODE_BUCKET, assets.bucket());
            parameters.put(DeployCommand.CODE_KEY, assets.upload(jar, "custom-resources", "jar", console));
            // CodePipeline's CloudFormation action gives parameters it is not told template defaults.
            validator.checkEffective(DeployCommand.effective(template, parameters, Map.of()));
            write(parameters, input.tags());
            console.info("Wrote " + output + " for stack " + options.stackName + ".");
            return 0;
        }
    }

    private void write(Map<String, String> parameters, Map<String, String> tags) {
        ObjectNode configuration = JSON.createObjectNode();
        parameters.forEach(configuration.putObject("Parameters")::put);
        tags.forEach(configuration.putObject("Tags")::put);
        try {
            if (output.getParent() != null) {
                Files.createDirectories(output.getParent());
            }
            Files.writeString(output, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configuration) + "\n");
        } catch (IOException e) {
            throw DeployerException.failed("cannot write " + output + ": " + e.getMessage());
        }
    }
}

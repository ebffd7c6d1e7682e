package dmlflow.deployer.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.data.AssetStore;
import dmlflow.deployer.stack.ParameterInput;
import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.StackTemplate;
import dmlflow.deployer.stack.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * For CodePipeline: uploads the custom-resources jar and writes the template configuration its
 * CloudFormation action reads, with the jar's location added to the given parameters.
 */
@Command(name = "package", mixinStandardHelpOptions = true,
        description = "Upload the custom-resources jar and write a CodePipeline template configuration"
                + " ({\"Parameters\":{…},\"Tags\":{…}}) holding the given parameters and the jar's location.")
public final class PackageCommand extends BaseCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    StackInputs inputs = new StackInputs();

    @Option(names = "--output", defaultValue = "build/template-config.json", paramLabel = "FILE",
            description = "Where to write the template configuration (default: ${DEFAULT-VALUE}).")
    Path output;

    @Override
    public Integer call() {
        StackInputs.Checked checked = inputs.check(true);
        StackTemplate template = checked.template();
        ParameterInput input = checked.input();
        ParameterValidator validator = checked.validator();
        try (AwsSession aws = session()) {
            announce(aws, "Packaging for");
            AssetStore assets = AssetStore.ensure(aws, inputs.bootstrapPath, watcher(aws), console);
            Map<String, String> parameters = new LinkedHashMap<>(input.parameters());
            Version.addTo(template, parameters);
            parameters.put(StackTemplate.CODE_BUCKET, assets.bucket());
            parameters.put(StackTemplate.CODE_KEY, assets.upload(inputs.jar, "custom-resources", "jar", console));
            // CodePipeline's CloudFormation action gives parameters it is not told template defaults.
            validator.checkEffective(template.effective(parameters, Map.of()));
            write(parameters, StackInputs.tags(input.tags()));
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

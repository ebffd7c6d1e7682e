package dmlflow.deployer.command;

import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.ParameterInput;
import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.StackTemplate;
import dmlflow.deployer.stack.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * What a stack is made from, as the deploy, plan and package commands take it: the template,
 * its parameters, and the custom-resources jar; checked before anything reaches AWS.
 */
final class StackInputs {

    @Option(names = {"-p", "--parameter"}, paramLabel = "KEY=VALUE", description = "A template parameter (repeatable).")
    List<String> assignments = new ArrayList<>();

    @Option(names = "--parameters", paramLabel = "FILE",
            description = "Parameters and tags in CodePipeline's template-configuration format: {\"Parameters\":{…},\"Tags\":{…}}.")
    Path parametersFile;

    @Option(names = "--template", paramLabel = "FILE",
            description = "The stack template (default: templates/mlflow.yaml of the dmlflow checkout).")
    Path templatePath;

    @Option(names = "--bootstrap-template", paramLabel = "FILE",
            description = "The assets-bucket template (default: templates/bootstrap.yaml of the dmlflow checkout).")
    Path bootstrapPath;

    @Option(names = "--prices", paramLabel = "DIR",
            description = "Price files, one per region (REGION.json), for the cost estimate (default: pricing of the"
                    + " dmlflow checkout).")
    Path pricesDirectory;

    @Option(names = "--jar", paramLabel = "FILE",
            description = "The custom-resources jar (default: custom-resources/target/custom-resources.jar of the"
                    + " dmlflow checkout).")
    Path jar;

    Path template() {
        return Checkout.fileOr(templatePath, Checkout.TEMPLATE);
    }

    Path bootstrap() {
        return Checkout.fileOr(bootstrapPath, Checkout.BOOTSTRAP_TEMPLATE);
    }

    Path prices() {
        return Checkout.fileOr(pricesDirectory, Checkout.PRICES);
    }

    Path jar() {
        return Checkout.fileOr(jar, Checkout.JAR);
    }

    /** The template, the given parameters, and a validator that has already refused bad names and values. */
    record Checked(StackTemplate template, ParameterInput input, ParameterValidator validator) {
        boolean takesCode() {
            return template.parameters().containsKey(StackTemplate.CODE_BUCKET);
        }
    }

    /** The given tags and the one saying which dmlflow made the stack. */
    static Map<String, String> tags(Map<String, String> given) {
        Map<String, String> tags = new LinkedHashMap<>(given);
        tags.put(Version.TAG, Version.current());
        return tags;
    }

    Checked check(boolean needsJar) {
        StackTemplate template = StackTemplate.load(template());
        ParameterInput input = ParameterInput.of(assignments, parametersFile);
        ParameterValidator validator = new ParameterValidator(template);
        validator.checkNames(input.parameters(), Set.of(StackTemplate.CODE_BUCKET, StackTemplate.CODE_KEY, Version.PARAMETER));
        validator.checkValues(input.parameters());
        validator.checkRules(input.parameters());
        Checked checked = new Checked(template, input, validator);
        if (needsJar && checked.takesCode() && !Files.isRegularFile(jar())) {
            throw DeployerException.usage("no custom-resources jar at " + jar()
                    + ": build it with ./mvnw -pl custom-resources -am package -DskipTests (deploy.sh does)");
        }
        return checked;
    }
}

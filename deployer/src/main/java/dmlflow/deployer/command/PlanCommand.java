package dmlflow.deployer.command;

import dmlflow.deployer.console.Table;
import dmlflow.deployer.cost.CostEstimate;
import dmlflow.deployer.cost.ServerCapacity;
import dmlflow.deployer.stack.ParameterInput;
import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.StackTemplate;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** What a deploy would create, worked out locally: no AWS credentials needed. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate parameters against the template and show their effective values and the resources"
                + " a new stack would get. Needs no AWS credentials.")
public final class PlanCommand extends BaseCommand {
    @Mixin
    StackInputs inputs = new StackInputs();

    /** The region to price: --region, else the environment's, as the SDK would pick it (no profile read). */
    private String region() {
        if (options.region != null) {
            return options.region;
        }
        String fromEnvironment = System.getenv("AWS_REGION") != null ? System.getenv("AWS_REGION") : System.getenv("AWS_DEFAULT_REGION");
        return fromEnvironment != null ? fromEnvironment : System.getProperty("aws.region");
    }

    @Override
    public Integer call() {
        options.validate();
        StackInputs.Checked checked = inputs.check(false);
        StackTemplate template = checked.template();
        ParameterInput input = checked.input();
        ParameterValidator validator = checked.validator();
        Set<String> deployerSets = Set.of(StackTemplate.CODE_BUCKET, StackTemplate.CODE_KEY);
        Map<String, String> effective = template.effective(input.parameters(), Map.of());
        deployerSets.stream().filter(template.parameters()::containsKey)
                .forEach(name -> effective.put(name, name.equals(StackTemplate.CODE_KEY) ? "custom-resources/SHA256.jar" : "assets-bucket"));
        validator.checkEffective(effective);
        ParameterValidator.checkRegion(effective, region());

        console.info("Template " + template.path() + ": valid with these parameters.");
        ParameterValidator.warnings(effective).forEach(console::warn);
        console.info("");
        console.info("Parameters (stack " + options.stackName + "):");
        Table parameters = new Table("  ");
        template.parameters().forEach((name, spec) -> {
            String source = input.parameters().containsKey(name) ? "given"
                    : deployerSets.contains(name) ? "set by deploy" : "default";
            String value = spec.noEcho() ? "****" : effective.get(name);
            parameters.row(name, value.isEmpty() ? "(empty)" : value, "(" + source + ")");
        });
        parameters.lines().forEach(console::info);
        Map<String, Integer> counts = template.resourceCounts(effective);
        console.info("");
        console.info("A new stack would hold " + counts.values().stream().mapToInt(Integer::intValue).sum() + " resources:");
        counts.forEach((type, count) -> console.info(String.format("  %3d  %s", count, type)));
        console.info("");
        ServerCapacity.describe(effective).forEach(console::info);
        console.info("");
        CostEstimate.reportOrWhyNot(effective, inputs.prices(), region()).forEach(console::info);
        return 0;
    }
}

package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.deployer.console.DeployerException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks parameter values against the template before anything is sent to AWS: unknown names,
 * each value against its own constraints, the template's Rules, and the orderings a
 * CloudFormation constraint cannot express.
 */
public final class ParameterValidator {
    private final StackTemplate template;

    public ParameterValidator(StackTemplate template) {
        this.template = template;
    }

    /** Refuses names the template does not declare, and names the deployer sets itself. */
    public void checkNames(Map<String, String> given, Set<String> reserved) {
        List<String> problems = new ArrayList<>();
        for (String name : given.keySet()) {
            if (!template.parameters().containsKey(name)) {
                problems.add("unknown parameter " + name + " (the template's parameters: "
                        + String.join(", ", template.parameters().keySet()) + ")");
            } else if (reserved.contains(name)) {
                problems.add(name + " is set by the deployer; leave it out");
            }
        }
        fail(problems);
    }

    /** Each given value against its own parameter's constraints. */
    public void checkValues(Map<String, String> given) {
        List<String> problems = new ArrayList<>();
        given.forEach((name, value) -> {
            ParameterSpec spec = template.parameters().get(name);
            String violation = spec == null ? null : spec.violation(value);
            if (violation != null) {
                problems.add(violation);
            }
        });
        fail(problems);
    }

    /**
     * The template's Rules, as far as these values decide them: with the given values alone
     * (before any AWS call) an assertion that needs a value not given (an update may keep a
     * previous one) is left for a later check with more values, or for CloudFormation.
     */
    public void checkRules(Map<String, String> values) {
        fail(ruleViolations(values));
    }

    /** The whole set of values a stack would get: required ones present, template Rules, orderings. */
    public void checkEffective(Map<String, String> effective) {
        List<String> problems = new ArrayList<>();
        template.parameters().forEach((name, spec) -> {
            if (!effective.containsKey(name)) {
                problems.add(name + " has no default and no value: set it with -p " + name + "=…");
            }
        });
        fail(problems);
        checkValues(effective);
        problems.addAll(ruleViolations(effective));
        ordered(effective, problems, "MinTaskCount", "DesiredTaskCount");
        ordered(effective, problems, "DesiredTaskCount", "MaxTaskCount");
        ordered(effective, problems, "MinTaskCount", "MaxTaskCount");
        ordered(effective, problems, "DatabaseMinCapacity", "DatabaseMaxCapacity");
        fail(problems);
    }

    private List<String> ruleViolations(Map<String, String> values) {
        List<String> problems = new ArrayList<>();
        Intrinsics intrinsics = new Intrinsics(values, template.conditions());
        Iterator<Map.Entry<String, JsonNode>> rules = template.rules().fields();
        while (rules.hasNext()) {
            Map.Entry<String, JsonNode> rule = rules.next();
            try {
                JsonNode condition = rule.getValue().get("RuleCondition");
                if (condition != null && !intrinsics.bool(condition)) {
                    continue;
                }
            } catch (Intrinsics.Unknown e) {
                // Left to CloudFormation, which checks every rule again.
                continue;
            }
            for (JsonNode assertion : rule.getValue().path("Assertions")) {
                try {
                    if (!intrinsics.bool(assertion.path("Assert"))) {
                        problems.add("rule " + rule.getKey() + ": " + assertion.path("AssertDescription")
                                .asText("its assertion does not hold"));
                    }
                } catch (Intrinsics.Unknown e) {
                    // Decided later, with more values, or by CloudFormation.
                }
            }
        }
        return problems;
    }

    private static void ordered(Map<String, String> values, List<String> problems, String lower, String upper) {
        String low = values.get(lower);
        String high = values.get(upper);
        if (low == null || high == null) {
            return;
        }
        try {
            if (Double.parseDouble(low) > Double.parseDouble(high)) {
                problems.add(lower + " (" + low + ") must not exceed " + upper + " (" + high + ")");
            }
        } catch (NumberFormatException e) {
            // Reported as "not a number" by its own constraint.
        }
    }

    private static void fail(List<String> problems) {
        if (!problems.isEmpty()) {
            throw DeployerException.usage(problems.size() == 1 ? problems.get(0)
                    : problems.size() + " parameter problems:\n  " + String.join("\n  ", problems));
        }
    }
}

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
                String closest = closest(name, template.parameters().keySet());
                problems.add("unknown parameter " + name + (closest != null ? ": did you mean " + closest + "?"
                        : " (the template's parameters: " + String.join(", ", template.parameters().keySet()) + ")")
                        + " ./deploy.sh plan lists them with their values.");
            } else if (reserved.contains(name)) {
                problems.add(name + " is set by the deployer; leave it out");
            }
        }
        fail(problems);
    }

    /**
     * What the descriptions say that a Number's MinValue and MaxValue cannot: Aurora Serverless v2
     * capacity comes in steps of 0.5 ACU ("in steps of 0.5"), which CloudFormation only finds when
     * RDS refuses the cluster, minutes into a deploy.
     */
    static final Map<String, Double> STEPS = Map.of("DatabaseMinCapacity", 0.5, "DatabaseMaxCapacity", 0.5);

    /** The name a typo most likely meant: the fewest edits, case aside, within a third of its length. */
    public static String closest(String name, java.util.Collection<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : names) {
            int distance = distance(name.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best != null && bestDistance <= Math.max(1, name.length() / 3) ? best : null;
    }

    /** Edits (insert, delete, replace, swap of neighbours) from one word to the other. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Each given value against its own parameter's constraints. */
    public void checkValues(Map<String, String> given) {
        List<String> problems = new ArrayList<>();
        given.forEach((name, value) -> {
            ParameterSpec spec = template.parameters().get(name);
            String violation = spec == null ? null : spec.violation(value);
            if (violation == null && spec != null && STEPS.containsKey(name)) {
                violation = stepViolation(name, value, STEPS.get(name));
            }
            if (violation != null) {
                problems.add(violation);
            }
        });
        fail(problems);
    }

    private static String stepViolation(String name, String value, double step) {
        try {
            double number = Double.parseDouble(value);
            if (Math.abs(number / step - Math.rint(number / step)) > 1e-9) {
                return name + " " + value + " is not a multiple of " + step + ": Aurora Serverless v2 capacity comes in"
                        + " steps of " + step + " ACU (for example " + Math.floor(number / step) * step + " or "
                        + Math.ceil(number / step) * step + ")";
            }
        } catch (NumberFormatException notANumber) {
            // Reported by the parameter's own constraint.
        }
        return null;
    }

    /**
     * Legal choices a person should make knowingly, said in plan and before the change set:
     * nothing here stops a deploy.
     */
    public static List<String> warnings(Map<String, String> values) {
        List<String> warnings = new ArrayList<>();
        if ("none".equals(values.get("AuthMode")) && "0.0.0.0/0".equals(values.get("AllowedCidr"))) {
            warnings.add("WARNING: AuthMode=none with AllowedCidr=0.0.0.0/0: anyone on the internet can read, change and"
                    + " delete every experiment, run and model. Give AllowedCidr your network's range, or AuthMode=basic.");
        }
        String purge = values.getOrDefault("PurgeDeletedAfterDays", "");
        if (purge.matches("[1-6]")) {
            warnings.add("WARNING: PurgeDeletedAfterDays=" + purge + ": a run deleted by mistake can be restored for only "
                    + purge + " day" + (purge.equals("1") ? "" : "s") + " before it is purged with its artifacts.");
        }
        return warnings;
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
                        // The sentence, not the rule's id: every assertion has one (ParameterValidationTest).
                        problems.add(assertion.path("AssertDescription").asText("the template's rule " + rule.getKey()
                                + " does not hold"));
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

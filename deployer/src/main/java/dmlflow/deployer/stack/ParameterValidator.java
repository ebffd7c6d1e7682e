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
            if (violation == null && spec != null && "Number".equals(spec.type())) {
                violation = numberViolation(name, value, STEPS.getOrDefault(name, 1.0));
            }
            if (violation == null && spec != null && CIDRS.contains(name)) {
                violation = cidrViolation(name, value);
            }
            if (violation == null && "CognitoDomainPrefix".equals(name)) {
                violation = reservedWord(value);
            }
            if (violation != null) {
                problems.add(violation);
            }
        });
        fail(problems);
    }

    /**
     * Cognito refuses a domain prefix holding a reserved word ("Domain cannot contain reserved word"),
     * which a CloudFormation pattern cannot say; the stack would roll back and keep a user pool.
     */
    private static String reservedWord(String prefix) {
        for (String word : List.of("aws", "amazon", "cognito")) {
            if (prefix.toLowerCase(java.util.Locale.ROOT).contains(word)) {
                return "CognitoDomainPrefix '" + prefix + "' contains '" + word + "', which Cognito reserves:"
                        + " choose another, e.g. acme-mlflow";
            }
        }
        return null;
    }

    /** The CIDR parameters, whose address must be the network's own (EC2 refuses host bits). */
    static final Set<String> CIDRS = Set.of("VpcCidr", "AllowedCidr");
    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    /**
     * A Number as CloudFormation and the services take it: plain decimal digits (not NaN, 0x1p3 or
     * 2d, which Java would read), and whole unless the parameter comes in steps of 0.5 (Aurora
     * Serverless v2 capacity: "in steps of 0.5").
     */
    private static String numberViolation(String name, String value, double step) {
        if (!DECIMAL.matcher(value.strip()).matches()) {
            return name + " '" + value + "' is not a number written in digits";
        }
        double number = Double.parseDouble(value);
        if (Math.abs(number / step - Math.rint(number / step)) > 1e-9) {
            return step == 1.0 ? name + " " + value + " must be a whole number"
                    : name + " " + value + " is not a multiple of " + step + ": Aurora Serverless v2 capacity comes in"
                    + " steps of " + step + " ACU (for example " + Math.floor(number / step) * step + " or "
                    + Math.ceil(number / step) * step + ")";
        }
        return null;
    }

    /** 10.0.0.1/16 names a host, not a network: EC2 refuses it for a VPC and a security group rule. */
    static String cidrViolation(String name, String value) {
        String[] parts = value.split("/");
        if (parts.length != 2 || !parts[1].matches("\\d{1,2}")) {
            return null;
        }
        String[] octets = parts[0].split("\\.");
        if (octets.length != 4) {
            return null;
        }
        long address = 0;
        for (String octet : octets) {
            address = address << 8 | Long.parseLong(octet);
        }
        int prefix = Integer.parseInt(parts[1]);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if ((address & mask) != address) {
            long network = address & mask;
            return name + " " + value + " has host bits set: the network is " + (network >> 24 & 255) + "."
                    + (network >> 16 & 255) + "." + (network >> 8 & 255) + "." + (network & 255) + "/" + prefix;
        }
        return null;
    }

    /**
     * Legal choices a person should make knowingly, said in plan and before the change set:
     * nothing here stops a deploy.
     */
    public static List<String> warnings(Map<String, String> values) {
        List<String> warnings = new ArrayList<>();
        String cidr = values.getOrDefault("AllowedCidr", "");
        if ("none".equals(values.get("AuthMode")) && "0.0.0.0/0".equals(cidr)) {
            warnings.add("WARNING: AuthMode=none with AllowedCidr=0.0.0.0/0: anyone on the internet can read, change and"
                    + " delete every experiment, run and model. Give AllowedCidr your network's range, or AuthMode=basic.");
        } else if ("none".equals(values.get("AuthMode")) && wide(cidr)) {
            warnings.add("WARNING: AuthMode=none with AllowedCidr=" + cidr + ": a wide range, without a login. Narrow it"
                    + " to your network's (a /16 or smaller), or use AuthMode=basic.");
        }
        if ("instance".equals(values.get("NatMode")) && "t4g.nano".equals(values.get("NatInstanceType"))) {
            warnings.add("WARNING: NatInstanceType=t4g.nano: at its 32 Mbit/s baseline two image pulls take about 1,000 s,"
                    + " longer than the schema function's 900 s (README, NAT); t4g.micro is the default for that reason.");
        }
        try {
            int workers = Integer.parseInt(values.getOrDefault("Workers", "1"));
            int cpus = Math.max(1, Integer.parseInt(values.getOrDefault("TaskCpu", "1024")) / 1024);
            if (workers > cpus) {
                warnings.add("WARNING: Workers=" + workers + " with TaskCpu " + values.get("TaskCpu") + " (" + cpus
                        + " vCPU): more than one worker per vCPU only slows the server (README, How fast it serves).");
            }
        } catch (NumberFormatException refusedElsewhere) {
            // The values' own constraints say what is wrong.
        }
        if (values.getOrDefault("MlflowImage", "").endsWith(":latest")) {
            warnings.add("WARNING: MlflowImage " + values.get("MlflowImage") + " is not pinned: a restarted task may run"
                    + " a newer MLflow against a schema nobody migrated. Pin a version (vX.Y.Z-full).");
        }
        String purge = values.getOrDefault("PurgeDeletedAfterDays", "");
        if (purge.matches("[1-6]")) {
            warnings.add("WARNING: PurgeDeletedAfterDays=" + purge + ": a run deleted by mistake can be restored for only "
                    + purge + " day" + (purge.equals("1") ? "" : "s") + " before it is purged with its artifacts.");
        }
        return warnings;
    }

    /**
     * A certificate from another region cannot serve this region's load balancer (ACM certificates
     * are regional; the CloudFront habit is us-east-1): refused before anything is uploaded.
     */
    public static void checkRegion(Map<String, String> values, String region) {
        String arn = values.getOrDefault("CertificateArn", "");
        String[] parts = arn.split(":");
        if (region != null && parts.length > 3 && !parts[3].equals(region)) {
            throw DeployerException.usage("CertificateArn is a certificate in " + parts[3] + ", and the stack goes to "
                    + region + ": a load balancer takes certificates of its own region only. Request or import one in "
                    + region + " (or give HostedZoneId and the stack makes one).");
        }
    }

    /**
     * What RDS refuses on an update: a lower Aurora version ("Raising it upgrades the cluster in
     * place"; there is no downgrade), refused before anything is uploaded.
     */
    public static void checkUpdate(Map<String, String> previous, Map<String, String> intended) {
        String before = previous.getOrDefault("DatabaseEngineVersion", "");
        String after = intended.getOrDefault("DatabaseEngineVersion", "");
        if (!before.isEmpty() && !after.isEmpty() && compareVersions(after, before) < 0) {
            throw DeployerException.usage("DatabaseEngineVersion " + after + " is lower than the " + before + " the"
                    + " database runs: Aurora upgrades in place but never downgrades. Keep " + before + " or give a"
                    + " later version.");
        }
        // Cognito answers "Cannot turn MFA functionality ON, once the user pool has been created"
        // (cloudformation-coverage-roadmap #1176): the update would roll back.
        String pool = previous.getOrDefault("CognitoDomainPrefix", "");
        if (!pool.isEmpty() && pool.equals(intended.getOrDefault("CognitoDomainPrefix", pool))
                && "OFF".equals(previous.get("CognitoMfa")) && "ON".equals(intended.get("CognitoMfa"))) {
            throw DeployerException.usage("CognitoMfa ON: the stack's user pool was made with MFA OFF, and Cognito"
                    + " does not turn it ON for an existing pool. Keep CognitoMfa=OFF (README, Sign-in).");
        }
    }

    static int compareVersions(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int l = i < left.length && left[i].matches("\\d+") ? Integer.parseInt(left[i]) : 0;
            int r = i < right.length && right[i].matches("\\d+") ? Integer.parseInt(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }

    /** A range wider than a /16, or one outside the private ranges. */
    private static boolean wide(String cidr) {
        String[] parts = cidr.split("/");
        if (parts.length != 2 || !parts[1].matches("\\d{1,2}")) {
            return false;
        }
        boolean privateRange = parts[0].startsWith("10.") || parts[0].startsWith("192.168.")
                || parts[0].matches("172\\.(1[6-9]|2\\d|3[01])\\..*");
        return Integer.parseInt(parts[1]) < 16 || !privateRange && Integer.parseInt(parts[1]) < 24;
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

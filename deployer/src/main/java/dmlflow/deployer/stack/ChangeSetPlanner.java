package dmlflow.deployer.stack;

import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Table;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** Makes a change set, waits for CloudFormation to work it out, and says what it would do. */
public final class ChangeSetPlanner {
    /** Resources whose loss or replacement loses someone's runs, models, artifacts or logins. */
    static final Set<String> DATA_TYPES = Set.of("AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::SecretsManager::Secret");
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    public record Plan(String changeSetId, ChangeSetType type, List<ResourceChange> changes, boolean empty) {
        /** Changes that remove or replace something that holds data. */
        public List<ResourceChange> dataRisks() {
            return changes.stream().filter(c -> DATA_TYPES.contains(c.resourceType()))
                    .filter(c -> "Remove".equals(c.actionAsString()) || "True".equals(c.replacementAsString())
                            || "Conditional".equals(c.replacementAsString()))
                    .toList();
        }
    }

    private final CloudFormationClient cloudFormation;
    private final Duration poll;
    private final Clock clock;
    private final Console console;

    public ChangeSetPlanner(CloudFormationClient cloudFormation, Duration poll, Clock clock, Console console) {
        this.cloudFormation = cloudFormation;
        this.poll = poll;
        this.clock = clock;
        this.console = console;
    }

    /** A change set from the template at templateUrl; with a roleArn, CloudFormation acts with that role. */
    public Plan create(String stack, ChangeSetType type, String templateUrl, List<Parameter> parameters, List<Tag> tags,
            String roleArn) {
        String name = "dmlflow-" + NAME.format(clock.instant());
        String id = cloudFormation.createChangeSet(r -> r.stackName(stack).changeSetName(name).changeSetType(type)
                .templateURL(templateUrl).parameters(parameters).tags(tags).roleARN(roleArn)
                .capabilities(Capability.CAPABILITY_IAM)
                .description("dmlflow deploy")).id();
        DescribeChangeSetResponse described;
        try {
            described = await(id);
        } catch (DeployerException notPlanned) {
            cloudFormation.deleteChangeSet(r -> r.changeSetName(id));
            throw notPlanned;
        }
        if (described.status() == ChangeSetStatus.FAILED) {
            String reason = described.statusReason() == null ? "" : described.statusReason();
            // A failed change set is deleted either way: it would only sit in the stack's list.
            cloudFormation.deleteChangeSet(r -> r.changeSetName(id));
            if (reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")) {
                return new Plan(id, type, List.of(), true);
            }
            throw DeployerException.failed("CloudFormation could not plan the change: "
                    + (reason.isBlank() ? "it gave no reason (the console's change sets tab may say more)" : reason));
        }
        List<ResourceChange> changes = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            DescribeChangeSetResponse page = next == null ? described
                    : cloudFormation.describeChangeSet(r -> r.changeSetName(id).nextToken(next));
            page.changes().stream().map(Change::resourceChange).forEach(changes::add);
            token = page.nextToken();
        } while (token != null);
        // A change set with no resource changes still updates parameters and outputs: not empty.
        return new Plan(id, type, changes, false);
    }

    public void execute(Plan plan) {
        cloudFormation.executeChangeSet(r -> r.changeSetName(plan.changeSetId()));
    }

    public void discard(Plan plan) {
        cloudFormation.deleteChangeSet(r -> r.changeSetName(plan.changeSetId()));
    }

    private DescribeChangeSetResponse await(String id) {
        Instant started = clock.instant();
        Instant deadline = started.plus(Duration.ofMinutes(10));
        Instant lastLine = started;
        while (true) {
            DescribeChangeSetResponse described = cloudFormation.describeChangeSet(r -> r.changeSetName(id));
            if (described.status() == ChangeSetStatus.CREATE_COMPLETE || described.status() == ChangeSetStatus.FAILED) {
                console.clearProgress();
                return described;
            }
            Duration waited = Duration.between(started, clock.instant());
            String line = "CloudFormation is planning the change set (" + waited.toSeconds() + " s)";
            if (console.terminal()) {
                console.progress(line);
            } else if (Duration.between(lastLine, clock.instant()).compareTo(StackWatcher.HEARTBEAT) >= 0) {
                console.info(line);
                lastLine = clock.instant();
            }
            if (clock.instant().isAfter(deadline)) {
                throw DeployerException.failed("CloudFormation was still planning the change set after 10 minutes"
                        + " (" + described.statusAsString() + "); it is deleted. Run the command again in a while.");
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DeployerException.failed("interrupted while CloudFormation planned the change");
            }
        }
    }

    /** One line a change, as a person reads a plan. */
    public static List<String> describe(Plan plan) {
        List<String> lines = new ArrayList<>();
        if (plan.changes().isEmpty()) {
            lines.add("  (no resource changes: only parameters or outputs change)");
        }
        int retagged = 0;
        Table table = new Table("  ");
        for (ResourceChange change : plan.changes()) {
            if (onlyTags(change)) {
                retagged++;
                continue;
            }
            String symbol = switch (change.actionAsString()) {
                case "Add" -> "+";
                case "Remove" -> "-";
                case "Modify" -> "~";
                default -> "*";
            };
            String replacement = "True".equals(change.replacementAsString()) ? "  (REPLACED)"
                    : "Conditional".equals(change.replacementAsString()) ? "  (may be replaced)" : "";
            table.row(symbol + " " + change.actionAsString(), change.resourceType(), change.logicalResourceId() + replacement);
        }
        lines.addAll(table.lines());
        if (retagged > 0) {
            lines.add("  ~ " + retagged + " resource" + (retagged == 1 ? "" : "s") + ": only tags change (the stack's "
                    + Version.TAG + " tag, or tags you gave); nothing stops or restarts");
        }
        return lines;
    }

    /**
     * A change of a resource's tags alone, as a new dmlflow:version makes on every taggable
     * resource, that replaces nothing: a tag change can force a replacement on some types
     * (cloudformation-coverage-roadmap issue 538), and that one is listed.
     */
    static boolean onlyTags(ResourceChange change) {
        return "Modify".equals(change.actionAsString()) && change.scopeAsStrings().equals(List.of("Tags"))
                && "False".equals(change.replacementAsString());
    }
}

package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Interruption;
import dmlflow.deployer.cost.CostEstimate;
import dmlflow.deployer.data.AssetStore;
import dmlflow.deployer.data.Restore;
import dmlflow.deployer.data.RetainedData;
import dmlflow.deployer.stack.ChangeSetPlanner;
import dmlflow.deployer.stack.DomainZone;
import dmlflow.deployer.stack.NatImage;
import dmlflow.deployer.stack.NextStep;
import dmlflow.deployer.stack.ParameterInput;
import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackTemplate;
import dmlflow.deployer.stack.StackWatcher;
import dmlflow.deployer.stack.Version;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** Creates or updates the stack through a change set and watches it to a working tracking server. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Create or update the stack: upload the custom-resources jar, plan a change set, show it,"
                + " execute it and watch it; print the tracking URI and how to log in.",
        footer = {"", "Other commands: ./deploy.sh status | outputs | logs | users | plan, ./remove.sh,",
            "and for CodePipeline ./deploy.sh package | execute; each takes --help."})
public class DeployCommand extends BaseCommand {
    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Override
    ChangeOptions change() {
        return change;
    }


    @Mixin
    StackInputs inputs = new StackInputs();

    @Option(names = "--confirm-data-changes",
            description = "Go ahead even when the change set replaces or removes the database, a bucket or a secret.")
    boolean confirmDataChanges;

    @Option(names = "--restore", arity = "0..1", fallbackValue = "", paramLabel = "REMOVED_STACK",
            description = "Create the stack on what a removed stack kept, as ./remove.sh recorded it: its final database"
                    + " snapshot, artifact bucket and secrets (default: the removed stack of this --stack-name).")
    String restoreFrom;

    @Option(names = "--fresh", description = "Create the stack empty although a removed stack of this name kept"
            + " data: its record moves aside (kept/STACK-removed-TIME.json), where --restore and --delete-data still"
            + " find it.")
    boolean fresh;

    @Override
    public Integer call() {
        // Everything that can be checked without AWS is checked first.
        StackInputs.Checked checked = inputs.check(true);
        StackTemplate template = checked.template();
        ParameterInput input = checked.input();
        ParameterValidator validator = checked.validator();
        boolean takesCode = checked.takesCode();

        try (AwsSession aws = session()) {
            announce(aws, doing());
            StackState state = StackState.describe(aws.cloudFormation(), options.stackName);
            refuseWhenBusy(state);
            if (NextStep.stuck(state.status())) {
                // CloudFormation refuses a change set on these: say what to do before anything is uploaded.
                throw DeployerException.failed("stack " + options.stackName + " is " + state.status() + " and takes no"
                        + " update until that is resolved. " + NextStep.after(state.status(), options.stackName));
            }
            if (state.deadOnArrival()) {
                state = deleteFailedStack(aws, state);
            }
            boolean creating = state.neverDeployed();
            if (executes() && !change.yes && !console.terminal()) {
                // Known before any write: a deploy always asks, and off a terminal nobody can answer.
                throw DeployerException.failed(creating ? "stack " + options.stackName + " does not exist yet, and"
                        + " creating it needs a yes that nobody can type off a terminal: pass --yes (./deploy.sh plan"
                        + " shows what it would create, without credentials)"
                        : "updating stack " + options.stackName + " needs a yes that nobody can type off a terminal:"
                        + " pass --yes (nothing was uploaded or changed)");
            }
            Map<String, String> previous = creating ? Map.of() : state.parameters();
            // Before anything is made or uploaded: the Rules with the values kept from the stack, and
            // the zone the certificate is to be validated in.
            Map<String, String> intended = template.effective(input.parameters(), previous);
            validator.checkRules(intended);
            ParameterValidator.checkRegion(intended, aws.region().id());
            ParameterValidator.checkUpdate(previous, intended);
            if (DomainZone.needsCheck(intended, input.parameters(), creating)) {
                String zone = intended.get(DomainZone.ZONE);
                String domain = intended.getOrDefault(DomainZone.DOMAIN, "");
                DomainZone.check(aws.route53(), zone, domain, DomainZone.madeBy(previous, zone, domain));
            }

            AssetStore assets = AssetStore.ensure(aws, inputs.bootstrap(), watcher(aws), console);
            Map<String, String> given = new LinkedHashMap<>(input.parameters());
            Version.addTo(template, given);
            RetainedData.Kept restoring = null;
            if (restoreFrom != null) {
                restoring = restoreSource(aws, assets, state);
                given.putAll(restore(aws, restoring, template, given));
            } else if (creating) {
                keepRecordApart(aws, assets);
            }
            if (takesCode) {
                given.put(StackTemplate.CODE_BUCKET, assets.bucket());
                given.put(StackTemplate.CODE_KEY, assets.upload(inputs.jar(), "custom-resources", "jar", console));
            }
            pinNatImage(aws, template, given, previous, creating);
            Map<String, String> values = template.effective(given, previous);
            validator.checkEffective(values);
            ParameterValidator.warnings(values).forEach(console::warn);
            String templateUrl = assets.url(assets.upload(template.path(), "templates", "yaml", console));

            ChangeSetPlanner planner = new ChangeSetPlanner(aws.cloudFormation(), options.poll(), clock, console);
            // A first create makes an empty stack (REVIEW_IN_PROGRESS) to hold the change set: until
            // the change set runs, a failure or Ctrl-C deletes it again.
            Runnable undo = creating ? () -> deleteEmptyStack(aws) : () -> { };
            if (creating) {
                Interruption.undoOnInterrupt("nothing was created (the empty stack " + options.stackName
                        + " that held the change set is deleted)", undo);
            }
            ChangeSetPlanner.Plan plan;
            try {
                plan = planner.create(options.stackName, creating ? ChangeSetType.CREATE : ChangeSetType.UPDATE,
                        templateUrl, template.changeSetParameters(given, previous), tags(StackInputs.tags(input.tags())),
                        roleArn());
            } catch (RuntimeException notPlanned) {
                undo.run();
                Interruption.settled();
                throw notPlanned instanceof DeployerException known ? DeployerException.failed(known.getMessage()
                        + (creating ? "\nNothing was created." : "\nNothing changed.")) : notPlanned;
            }
            if (plan.empty()) {
                return noChanges(aws);
            }
            try {
                console.info((creating ? "The new stack will hold " : "Changes to stack " + options.stackName + ":")
                        + (creating ? plan.changes().size() + (plan.changes().size() == 1 ? " resource." : " resources.")
                        : ""));
                if (!creating) {
                    ChangeSetPlanner.describe(plan).forEach(console::info);
                }
                CostEstimate.reportOrWhyNot(values, inputs.prices(), aws.region().id()).forEach(console::info);
                outageNotes(plan).forEach(console::info);
            } catch (RuntimeException beforeTheQuestion) {
                abandon(aws, planner, plan, creating);
                throw beforeTheQuestion;
            }
            String snapshot = values.getOrDefault(RetainedData.SNAPSHOT_PARAMETER, "");
            return planned(aws, new Planned(planner, plan, creating, template, values,
                    dataParameterChanges(given, previous, creating), snapshot, restoring, assets));
        }
    }

    /** The stack a first create's change set made, if it got that far: it holds nothing yet. */
    private void deleteEmptyStack(AwsSession aws) {
        StackState made = StackState.describe(aws.cloudFormation(), options.stackName);
        if (made.exists() && made.neverDeployed()) {
            aws.cloudFormation().deleteStack(r -> r.stackName(options.stackName));
        }
    }

    /** A change set CloudFormation has worked out, and what the command knew making it. */
    record Planned(ChangeSetPlanner planner, ChangeSetPlanner.Plan plan, boolean creating, StackTemplate template,
            Map<String, String> values, List<String> parameterChanges, String snapshot, RetainedData.Kept restoring,
            AssetStore assets) {
    }

    /** The first line's verb. */
    String doing() {
        return "Deploying";
    }

    /** Whether this command executes the change set it makes (package leaves it to the pipeline). */
    boolean executes() {
        return true;
    }

    /** The role CloudFormation acts with on the stack; null: the caller's own rights. */
    String roleArn() {
        return null;
    }

    Integer noChanges(AwsSession aws) {
        console.info("No changes: stack " + options.stackName + " is up to date.");
        Outputs.printUsage(console, StackState.describe(aws.cloudFormation(), options.stackName), aws.region().id());
        return 0;
    }

    /** Asks, then executes the change set and follows it to the end. */
    Integer planned(AwsSession aws, Planned planned) {
        ChangeSetPlanner.Plan plan = planned.plan();
        if (!planned.creating()) {
            Interruption.undoOnInterrupt("nothing changed (the change set is deleted)", () -> planned.planner().discard(plan));
        }
        boolean goAhead;
        try {
            goAhead = confirm(plan, planned.parameterChanges(), planned.snapshot());
        } catch (RuntimeException refused) {
            abandon(aws, planned.planner(), plan, planned.creating());
            throw refused;
        }
        if (!goAhead) {
            abandon(aws, planned.planner(), plan, planned.creating());
            console.info(planned.creating() ? "Nothing was created; the change set and the empty stack it made were"
                    + " deleted." : "Nothing changed; the change set was deleted.");
            return 1;
        }

        Interruption.settled();
        StackWatcher watcher = watcher(aws);
        String before = watcher.newestEvent(options.stackName);
        planned.planner().execute(plan);
        int total = planned.creating() ? planned.template().resourceCount(planned.values()) : plan.changes().size();
        StackWatcher.Result result = watcher.watch(options.stackName, before, total);
        requireSucceeded(options.stackName, result);
        if (planned.restoring() != null) {
            handOver(aws, planned.assets(), planned.restoring());
        }
        Outputs.printUsage(console, StackState.describe(aws.cloudFormation(), options.stackName), aws.region().id());
        return 0;
    }

    /**
     * Leaves nothing behind of a change set that will not run: on a first create, CloudFormation
     * made an empty stack in REVIEW_IN_PROGRESS to hold it, which goes too.
     */
    void abandon(AwsSession aws, ChangeSetPlanner planner, ChangeSetPlanner.Plan plan, boolean creating) {
        planner.discard(plan);
        if (creating) {
            aws.cloudFormation().deleteStack(r -> r.stackName(options.stackName));
        }
    }

    /**
     * Puts the NAT instance's image in NatInstanceImageId when this deploy must pin it: the newest
     * from SSM when the instance is made, the running one's for a stack from before the pin.
     */
    private void pinNatImage(AwsSession aws, StackTemplate template, Map<String, String> given,
            Map<String, String> previous, boolean creating) {
        Map<String, String> values = template.effective(given, previous);
        Optional<String> newest = NatImage.toPin(template, given, values, previous, creating);
        Optional<String> image = newest.map(parameter -> NatImage.read(aws.ssm(), parameter));
        String source = newest.map(parameter -> "the newest in " + parameter).orElse("the one it runs");
        if (newest.isEmpty() && NatImage.keepsRunningImage(template, given, values, previous, creating)) {
            image = NatImage.runningImage(aws.cloudFormation(), aws.ec2(), options.stackName);
        }
        image.ifPresent(id -> {
            given.put(NatImage.PARAMETER, id);
            console.info("NAT instance image: " + id + " (" + source + "), kept in " + NatImage.PARAMETER
                    + " until you give another.");
        });
    }

    StackState deleteFailedStack(AwsSession aws, StackState state) {
        String question = "Stack " + state.name() + " is " + state.status() + " (its first creation failed) and can"
                + " only be deleted. Delete it and create it again? Type yes:";
        if (!change.yes && !console.confirm(question, "yes", "pass --yes to delete and recreate it")) {
            throw DeployerException.failed("stack " + state.name() + " left as " + state.status());
        }
        String cluster = new RetainedData(aws).cluster(state.name()).orElse(null);
        StackWatcher.Result deleted = deleteAndWatch(aws, state);
        if (!deleted.succeeded()) {
            throw DeployerException.failed("could not delete the failed stack: " + deleted.rootCause());
        }
        recordFailedStacksSnapshots(aws, cluster);
        return StackState.describe(aws.cloudFormation(), state.name());
    }

    private String restoreSourceName() {
        return restoreFrom.isEmpty() ? options.stackName : restoreFrom;
    }

    private RetainedData.Kept restoreSource(AwsSession aws, AssetStore assets, StackState state) {
        String source = restoreSourceName();
        if (!state.neverDeployed()) {
            throw DeployerException.failed("--restore creates a new stack, and stack " + options.stackName + " exists ("
                    + state.status() + "). Remove it first, or restore under another --stack-name.");
        }
        RetainedData.Kept kept = new RetainedData(aws).recorded(assets, source);
        if (kept == null) {
            throw DeployerException.failed("no record of data kept by a removed stack " + source + " in s3://"
                    + assets.bucket() + "/" + RetainedData.recordKey(source) + " (./remove.sh writes it)");
        }
        return kept;
    }

    private Map<String, String> restore(AwsSession aws, RetainedData.Kept kept, StackTemplate template,
            Map<String, String> given) {
        String source = restoreSourceName();
        RetainedData data = new RetainedData(aws);
        String engine = template.effective(given, Map.of()).get(RetainedData.ENGINE_PARAMETER);
        Restore.Plan plan = Restore.plan(data, kept, source, given, engine == null ? "0" : engine);
        console.info("Restoring what stack " + source + " kept:");
        plan.lines().forEach(line -> console.info("  " + line));
        return plan.parameters();
    }

    /**
     * The kept data now belongs to the restored stack: its record moves to the new stack's name, so
     * that --delete-data on the old name cannot delete what the new stack uses, and a second
     * --restore cannot put two stacks on one bucket (and one master secret, which takes one
     * attachment only). The snapshots stay listed, for the new stack's own removal.
     */
    private void handOver(AwsSession aws, AssetStore assets, RetainedData.Kept kept) {
        RetainedData data = new RetainedData(aws);
        data.record(assets, options.stackName, kept.handedOver());
        if (!restoreSourceName().equals(options.stackName)) {
            data.forget(assets, restoreSourceName());
        }
    }

    /** A new, empty stack under a name whose removed stack kept data: refused unless --fresh moves the record aside. */
    private void keepRecordApart(AwsSession aws, AssetStore assets) {
        RetainedData data = new RetainedData(aws);
        RetainedData.Kept kept = data.recorded(assets, options.stackName);
        if (kept == null || kept.itemCount() == 0) {
            return;
        }
        if (!fresh) {
            throw DeployerException.failed("a removed stack " + options.stackName + " kept data (s3://" + assets.bucket()
                    + "/" + RetainedData.recordKey(options.stackName) + "): ./deploy.sh --restore brings it back; --fresh"
                    + " creates an empty server and moves the record aside. Nothing was created.");
        }
        String archived = data.archive(assets, options.stackName, kept, clock.instant());
        console.info("The data removed stack " + options.stackName + " kept is now recorded as " + archived
                + " (./deploy.sh --restore " + archived + " or ./remove.sh --stack-name " + archived + " --delete-data).");
    }

    /**
     * On a live stack, a new value for a parameter that points at data swaps the data out: a new
     * snapshot identifier replaces the database (CloudFormation's AWS::RDS::DBCluster reference:
     * "you must specify the same SnapshotIdentifier property for any future updates"), a new bucket
     * or secret leaves the old one's contents behind.
     */
    static List<String> dataParameterChanges(Map<String, String> given, Map<String, String> previous, boolean creating) {
        if (creating) {
            return List.of();
        }
        List<String> changes = new ArrayList<>();
        for (String name : RetainedData.DATA_PARAMETERS) {
            String before = previous.getOrDefault(name, "");
            if (given.containsKey(name) && !given.get(name).equals(before)) {
                changes.add(name + ": " + (before.isEmpty() ? "(none)" : before) + " -> "
                        + (given.get(name).isEmpty() ? "(none)" : given.get(name)));
            }
        }
        return changes;
    }

    /**
     * A failed creation's cluster leaves a final snapshot too (DeletionPolicy Snapshot): when a
     * record exists for this name, it lists that snapshot for --delete-data, but never as the one a
     * restore starts from.
     */
    private void recordFailedStacksSnapshots(AwsSession aws, String cluster) {
        if (cluster == null) {
            return;
        }
        // Only on this rare path, after the failed stack is gone (the question comes first).
        AssetStore assets = AssetStore.ensure(aws, inputs.bootstrap(), watcher(aws), console);
        RetainedData data = new RetainedData(aws);
        RetainedData.Kept kept = data.recorded(assets, options.stackName);
        List<String> found = data.finalSnapshots(options.stackName, cluster);
        if (kept != null && !found.isEmpty()) {
            data.record(assets, options.stackName, kept.withFinalSnapshots(found, false));
        }
    }

    private boolean confirm(ChangeSetPlanner.Plan plan, List<String> parameterChanges, String restoredFrom) {
        if (warnAboutData(plan, parameterChanges, restoredFrom)) {
            if (!confirmDataChanges && !console.confirm("Type 'replace data' to go ahead:", "replace data",
                    "pass --confirm-data-changes to go ahead")) {
                return false;
            }
        }
        return change.yes || console.confirm("Execute this change set? Type yes:", "yes", "pass --yes to execute it");
    }

    /** Says what of the data this change would replace or leave; true when there is any. */
    boolean warnAboutData(ChangeSetPlanner.Plan plan, List<String> parameterChanges, String restoredFrom) {
        List<ResourceChange> risks = plan.dataRisks();
        if (!risks.isEmpty() || !parameterChanges.isEmpty()) {
            console.info("");
            console.warn("WARNING: this change removes or replaces what holds data:");
            for (ResourceChange risk : risks) {
                boolean restoredDatabase = "AWS::RDS::DBCluster".equals(risk.resourceType()) && !restoredFrom.isEmpty();
                console.info("  " + risk.logicalResourceId() + " (" + risk.resourceType() + "): "
                        + ("Remove".equals(risk.actionAsString()) ? "removed" : "replaced") + " — the running server"
                        + (restoredDatabase ? " would start from a new database restored from snapshot " + restoredFrom
                                + ", holding the data as it was then" : " would start from an empty one")
                        + " (a retained copy or snapshot of the old one stays behind).");
            }
            for (String change : parameterChanges) {
                console.info("  " + change + " — the server would switch to other data: a new database restored from"
                        + " the new snapshot, or another bucket or secret; the old one is kept but no longer in"
                        + " remove.sh's record (set these only when creating a stack).");
            }
            return true;
        }
        return false;
    }

    /**
     * Changes to the NAT instance that cut the private subnets off for a while without touching
     * data: a new instance (another NatInstanceImageId, a new script in its launch template, or
     * another create-only property), or a stop and start (a new instance type: "Update requires:
     * Some interruptions" in the AWS::EC2::Instance reference; so would a UserData on the instance
     * itself, which the template no longer has).
     */
    static List<String> outageNotes(ChangeSetPlanner.Plan plan) {
        List<String> notes = new ArrayList<>();
        for (ResourceChange change : plan.changes()) {
            if (!NatImage.INSTANCE.equals(change.logicalResourceId())) {
                continue;
            }
            String replacement = change.replacementAsString();
            boolean replaced = "True".equals(replacement) || "Conditional".equals(replacement);
            boolean restarted = change.details().stream().anyMatch(detail -> detail.target() != null
                    && INTERRUPTING_NAT_PROPERTIES.contains(detail.target().name()));
            if (replaced) {
                notes.add("NOTE: the NAT instance is replaced (a new script, image or launch template): a new one"
                        + " starts, runs its script and signals that it forwards, then the address and the routes"
                        + " move to it and the old one stops. Connections through it break once; the server keeps"
                        + " serving.");
            } else if (restarted) {
                notes.add("NOTE: the NAT instance is stopped and started (a new instance type): the tasks and the"
                        + " database-setup and health-gate functions have no way out for a few minutes; the server"
                        + " keeps serving.");
            }
        }
        return notes;
    }

    static final Set<String> INTERRUPTING_NAT_PROPERTIES = Set.of("UserData", "InstanceType", "EbsOptimized");

    private static List<Tag> tags(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }
}

package dmlflow.deployer.stack;

import java.util.Set;

/**
 * For every status CloudFormation can give a stack (AWS CloudFormation User Guide, "Stack status
 * codes"), what it means for the tracking server and the command to run next. The last line of
 * every command that leaves a stack short of where it was going says this.
 */
public final class NextStep {
    /** The name commands use when --stack-name is not given (CommonOptions). */
    static final String DEFAULT_STACK = "mlflow";

    /** A stack the server runs on, or is being made or changed on: status exits 0 for these. */
    private static final Set<String> GOING_WELL = Set.of("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE",
            "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "IMPORT_IN_PROGRESS");

    /**
     * Statuses in which the stack's server runs as some operation left it: complete, rolled back
     * to its previous settings, or being updated (the old tasks serve until the new ones are healthy).
     */
    private static final Set<String> SERVING = Set.of("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "IMPORT_ROLLBACK_COMPLETE",
            "UPDATE_FAILED");

    /** Statuses in which CloudFormation takes no change set until a person has acted. */
    private static final Set<String> STUCK = Set.of("UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "IMPORT_ROLLBACK_FAILED",
            "ROLLBACK_IN_PROGRESS");

    private NextStep() {
    }

    /** Whether the stack's server runs, as its latest operation left it. */
    public static boolean serving(String status) {
        return SERVING.contains(status);
    }

    /** Whether CloudFormation refuses an update until a person has acted. */
    public static boolean stuck(String status) {
        return STUCK.contains(status);
    }

    /** Whether a stack in this status is complete, or on its way there. */
    public static boolean goingWell(String status) {
        return GOING_WELL.contains(status);
    }

    /** What the status means and what to run next, with the commands spelt for this stack. */
    public static String after(String status, String stack) {
        String name = DEFAULT_STACK.equals(stack) ? "" : " --stack-name " + stack;
        String follow = "./deploy.sh status" + name;
        return switch (status) {
            case "CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE" -> "The server runs on it: ./deploy.sh outputs"
                    + name + " shows how to log in.";
            case "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS",
                    "ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                    "IMPORT_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS" -> "CloudFormation is still working on it, whatever"
                    + " this command does; follow it with " + follow + " and run this command again once it has ended.";
            case "REVIEW_IN_PROGRESS" -> "It holds only a change set that never ran: ./deploy.sh" + name + " creates the"
                    + " stack, ./remove.sh" + name + " deletes it.";
            case "ROLLBACK_COMPLETE", "ROLLBACK_FAILED" -> "Its first creation failed"
                    + ("ROLLBACK_COMPLETE".equals(status) ? " and was rolled back (what it made is gone; kept data a restore"
                    + " named is untouched)" : ", and so did the rollback") + "; CloudFormation allows nothing but"
                    + " deleting it. " + follow + " shows the cause; fix it and run ./deploy.sh" + name + " again: it"
                    + " offers to delete the failed stack first.";
            case "CREATE_FAILED" -> "Its first creation failed and was not rolled back (rollback was turned off). "
                    + follow + " shows the cause; fix it and run ./deploy.sh" + name + " again: it offers to delete the"
                    + " failed stack first (or roll it back with aws cloudformation rollback-stack --stack-name " + stack
                    + ").";
            case "UPDATE_ROLLBACK_COMPLETE" -> "The update was rolled back and the server runs on its previous settings."
                    + " If a schema migration failed half-way, the previous MLflow cannot serve the changed schema:"
                    + " restore the snapshot taken before the upgrade (README, Operations). " + follow + " shows the"
                    + " cause; fix it and run ./deploy.sh" + name + " again.";
            case "UPDATE_FAILED" -> "The update stopped half-way and was not rolled back (rollback was turned off):"
                    + " fix the cause " + follow + " shows and run ./deploy.sh" + name + " again, or roll back with aws"
                    + " cloudformation rollback-stack --stack-name " + stack + ".";
            case "UPDATE_ROLLBACK_FAILED" -> "CloudFormation could not roll back: fix the resource " + follow + " names,"
                    + " then run aws cloudformation continue-update-rollback --stack-name " + stack + ". If it names the"
                    + " service after a schema migration (the old MLflow cannot serve the upgraded schema), add"
                    + " --resources-to-skip TrackingServiceService and deploy the new image again.";
            case "IMPORT_ROLLBACK_FAILED" -> "A resource import into it failed, and so did its rollback: fix the"
                    + " resource " + follow + " names, then retry the rollback in the CloudFormation console (Stack"
                    + " actions) or remove the stack with ./remove.sh" + name + ".";
            case "IMPORT_ROLLBACK_COMPLETE" -> "A resource import into it failed and was rolled back; the stack is as"
                    + " it was before: ./deploy.sh" + name + " updates it.";
            case "DELETE_FAILED" -> "It could not be deleted: " + follow + " names the resource; fix or delete it by"
                    + " hand, then run ./remove.sh" + name + " again (or delete the stack in the console, retaining that"
                    + " resource).";
            case "DELETE_COMPLETE" -> "It is gone. ./deploy.sh" + name + " --restore brings the server back on what"
                    + " ./remove.sh kept, ./deploy.sh" + name + " --fresh makes a new one.";
            case "DOES_NOT_EXIST" -> "./deploy.sh" + name + " creates it (--stack-name and --region name another; a"
                    + " stack ./remove.sh removed comes back with ./deploy.sh" + name + " --restore).";
            default -> "CloudFormation reported a status this dmlflow does not know: " + follow + " and the console's"
                    + " Events tab show where it is.";
        };
    }
}

package dmlflow.template.mlflow;

import dmlflow.template.cdk.Json;
import dmlflow.template.cdk.Nag;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.iam.CfnRole;
import software.amazon.awscdk.services.scheduler.CfnSchedule;

/**
 * Purges what people deleted long ago: once a day EventBridge Scheduler runs the tracking server's
 * own task definition with DMLFLOW_MODE=gc, which runs MLflow's {@code mlflow gc} on runs,
 * experiments and models deleted more than PurgeDeletedAfterDays days ago, artifacts included
 * (start-mlflow.sh). The task's lines go to the server's log group; with AlarmEmail, Alarms'
 * PurgeFailed rule mails a task of this group that stopped other than by finishing well.
 * PurgeDeletedAfterDays 0 makes none of it.
 *
 * <p>The schedule's Input is the task's override: for an ECS target EventBridge Scheduler reads
 * it as RunTask's TaskOverride ("Unable to convert target input to TaskOverride", its answer to
 * other input, boto/boto3 issue 4370), so the number of days changes no task definition and
 * restarts no server.
 */
final class DeletedDataPurge extends Construct {
    /** 03:00 UTC, when few people work against a server in Europe or the Americas. */
    static final String SCHEDULE = "cron(0 3 * * ? *)";
    static final String FAILURE_LINE = "dmlflow gc: failed";
    /** The ECS task group the schedule starts the purge in: Alarms' rule watches it stop. */
    static final String TASK_GROUP = "dmlflow-purge";

    record Props(TrackingService service, Network network, String days, CfnCondition condition) {
        Props {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(days, "days");
            Objects.requireNonNull(condition, "condition");
        }
    }

    DeletedDataPurge(Construct scope, String id, Props props) {
        super(scope, id);
        TrackingService service = props.service();
        CfnRole role = CfnRole.Builder.create(this, "SchedulerRole")
                .description("dmlflow: lets EventBridge Scheduler start the daily purge of deleted runs")
                .assumeRolePolicyDocument(Json.object("Version", "2012-10-17", "Statement", List.of(Json.object(
                        "Effect", "Allow",
                        "Principal", Json.object("Service", "scheduler.amazonaws.com"),
                        "Action", "sts:AssumeRole",
                        "Condition", Json.object("StringEquals", Json.object("aws:SourceAccount", Aws.ACCOUNT_ID))))))
                .policies(List.of(CfnRole.PolicyProperty.builder()
                        .policyName("RunThePurgeTask")
                        .policyDocument(Json.object("Version", "2012-10-17", "Statement", List.of(
                                Json.object("Sid", "RunTheServersTaskDefinition", "Effect", "Allow",
                                        "Action", "ecs:RunTask",
                                        "Resource", service.taskDefinitionFamilyArnPattern(),
                                        "Condition", Json.object("ArnEquals",
                                                Json.object("ecs:cluster", service.clusterArn()))),
                                Json.object("Sid", "PassTheTaskRoles", "Effect", "Allow",
                                        "Action", "iam:PassRole",
                                        "Resource", service.passableRoleArns(),
                                        "Condition", Json.object("StringEquals",
                                                Json.object("iam:PassedToService", "ecs-tasks.amazonaws.com"))))))
                        .build()))
                .build();
        role.getCfnOptions().setCondition(props.condition());
        Nag.allowWildcards(role, "RunTask names a revision of our task family; each stack update makes a new"
                + " revision. The condition limits it to our cluster.",
                List.of("Resource::" + TrackingService.NAG_TASK_DEFINITION_FAMILY));

        String override = Fn.sub("{\"containerOverrides\":[{\"name\":\"" + TrackingService.CONTAINER_NAME
                + "\",\"environment\":[{\"name\":\"DMLFLOW_MODE\",\"value\":\"gc\"},"
                + "{\"name\":\"DMLFLOW_GC_OLDER_THAN_DAYS\",\"value\":\"${Days}\"}]}]}", Map.of("Days", props.days()));
        CfnSchedule schedule = CfnSchedule.Builder.create(this, "Schedule")
                .description("dmlflow: purges runs, experiments and models deleted more than PurgeDeletedAfterDays"
                        + " days ago, with their artifacts (mlflow gc)")
                .scheduleExpression(SCHEDULE)
                .scheduleExpressionTimezone("UTC")
                .flexibleTimeWindow(CfnSchedule.FlexibleTimeWindowProperty.builder()
                        .mode("FLEXIBLE").maximumWindowInMinutes(60).build())
                .state("ENABLED")
                .target(CfnSchedule.TargetProperty.builder()
                        .arn(service.clusterArn())
                        .roleArn(role.getAttrArn())
                        .input(override)
                        .retryPolicy(CfnSchedule.RetryPolicyProperty.builder()
                                .maximumRetryAttempts(3).maximumEventAgeInSeconds(3600).build())
                        .ecsParameters(CfnSchedule.EcsParametersProperty.builder()
                                .taskDefinitionArn(service.taskDefinitionArn())
                                .taskCount(1)
                                .group(TASK_GROUP)
                                .launchType("FARGATE")
                                .networkConfiguration(CfnSchedule.NetworkConfigurationProperty.builder()
                                        .awsvpcConfiguration(CfnSchedule.AwsVpcConfigurationProperty.builder()
                                                .subnets(props.network().applicationSubnetIds())
                                                .securityGroups(List.of(service.securityGroupId()))
                                                .assignPublicIp("DISABLED")
                                                .build())
                                        .build())
                                .build())
                        .build())
                .build();
        schedule.getCfnOptions().setCondition(props.condition());

    }
}

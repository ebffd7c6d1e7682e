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
import software.amazon.awscdk.services.cloudwatch.CfnAlarm;
import software.amazon.awscdk.services.iam.CfnRole;
import software.amazon.awscdk.services.logs.CfnMetricFilter;
import software.amazon.awscdk.services.scheduler.CfnSchedule;

/**
 * Purges what people deleted long ago: once a day EventBridge Scheduler runs the tracking server's
 * own task definition with DMLFLOW_MODE=gc, which runs MLflow's {@code mlflow gc} on runs,
 * experiments and models deleted more than PurgeDeletedAfterDays days ago, artifacts included
 * (start-mlflow.sh). The task's log lines go to the server's log group, where a metric filter
 * counts failures and, with AlarmEmail, an alarm sends them. PurgeDeletedAfterDays 0 makes none
 * of it.
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
    static final String FAILURE_METRIC = "PurgeFailures";

    record Props(TrackingService service, Network network, String days, CfnCondition condition,
            String alarmTopicArn, CfnCondition alarmCondition) {
        Props {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(days, "days");
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(alarmTopicArn, "alarmTopicArn");
            Objects.requireNonNull(alarmCondition, "alarmCondition");
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

        String namespace = Fn.join("/", List.of("dmlflow", Aws.STACK_NAME));
        CfnMetricFilter failures = CfnMetricFilter.Builder.create(this, "Failures")
                .logGroupName(service.logGroup().getLogGroupName())
                .filterPattern("\"" + FAILURE_LINE + "\"")
                .metricTransformations(List.of(CfnMetricFilter.MetricTransformationProperty.builder()
                        .metricNamespace(namespace)
                        .metricName(FAILURE_METRIC)
                        .metricValue("1")
                        .unit("Count")
                        .build()))
                .build();
        failures.getCfnOptions().setCondition(props.condition());

        CfnAlarm alarm = CfnAlarm.Builder.create(this, "FailedAlarm")
                .alarmDescription("The daily purge of deleted runs (mlflow gc) failed: what it purged before the error"
                        + " stays purged, the rest waits for the next day. Its lines start with '" + FAILURE_LINE
                        + "' in the tracking server's log (./deploy.sh logs --since 1d). A run whose artifacts"
                        + " cannot be deleted stops it: fix what the error names.")
                .namespace(namespace).metricName(FAILURE_METRIC)
                .statistic("Sum").period(3600).evaluationPeriods(1)
                .threshold(1).comparisonOperator("GreaterThanOrEqualToThreshold")
                .treatMissingData("notBreaching")
                .alarmActions(List.of(props.alarmTopicArn()))
                .build();
        alarm.getCfnOptions().setCondition(props.alarmCondition());
    }
}

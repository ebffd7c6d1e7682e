package dmlflow.template.mlflow;

import dmlflow.template.cdk.ReadableIdsStack;
import java.util.List;
import java.util.Map;
import software.constructs.Construct;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.StackProps;

/** The whole MLflow deployment: parameters in, constructs wired, outputs out. */
public final class MlflowStack extends ReadableIdsStack {
    public static final String DESCRIPTION = "dmlflow: a production MLflow tracking server (ECS Fargate, Aurora"
            + " MySQL Serverless v2, S3 artifacts served through the server, basic auth)";

    public MlflowStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
        getTemplateOptions().setTemplateFormatVersion("2010-09-09");
        StackParameters p = new StackParameters(this);
        getTemplateOptions().setMetadata(Map.of("AWS::CloudFormation::Interface", p.consoleInterface()));
        FargateSizes.addRules(this, p.taskCpu, p.taskMemory);
        FargateSizes.addWorkerRules(this, p.workers, p.taskMemory, StackParameters.MAX_WORKERS);

        Network network = new Network(this, "Network", new Network.Props(p.vpcCidr.getValueAsString(),
                new Network.Nat(p.natGateway, p.natInstance,
                        Fn.conditionIf(p.natInstanceImageGiven.getLogicalId(), p.natInstanceImageId.getValueAsString(),
                                NatInstance.LATEST_IMAGE_REFERENCE).toString(), p.natInstanceType.getValueAsString())));
        ArtifactStore artifacts = new ArtifactStore(this, "Artifacts", new ArtifactStore.Props(30,
                p.existingBucket.getValueAsString(), p.makesBucket));
        Database database = new Database(this, "Database", new Database.Props(network,
                p.engineVersion.getValueAsString(), p.dbMinCapacity.getValueAsNumber(),
                p.dbMaxCapacity.getValueAsNumber(), p.dbBackupRetentionDays.getValueAsString(),
                p.dbDeletionProtection.getValueAsString(), new Database.Restore(p.snapshotIdentifier.getValueAsString(),
                        p.restoresDatabase, kept(p.existingMasterSecret, p.makesMasterSecret),
                        kept(p.existingUserSecret, p.makesUserSecret))));
        ServerSecrets secrets = new ServerSecrets(this, "ServerSecrets", new ServerSecrets.Props(
                kept(p.existingAdminSecret, p.makesAdminSecret), kept(p.existingFlaskKey, p.makesFlaskKey)));
        SignIn signIn = new SignIn(this, "Cognito", new SignIn.Props(p.signIn.getValueAsString(), p.signsIn,
                p.signsInWithOidc, p.signsInWithCognito, new SignIn.Oidc(p.oidcIssuer.getValueAsString(),
                        p.oidcAuthorizationEndpoint.getValueAsString(), p.oidcTokenEndpoint.getValueAsString(),
                        p.oidcUserInfoEndpoint.getValueAsString(), p.oidcClientId.getValueAsString(),
                        p.oidcClientSecretArn.getValueAsString(), p.oidcClientSecretVersion.getValueAsString(),
                        p.oidcSecretVersionGiven, p.oidcUnverifiedEmails.getValueAsString()),
                new SignIn.Cognito(p.cognitoDomainPrefix.getValueAsString(), p.keepsCognitoPool,
                        p.cognitoMfa.getValueAsString(), p.cognitoMfaOff),
                p.domainName.getValueAsString(), p.adminEmails.getValueAsString()));
        LoadBalancer loadBalancer = new LoadBalancer(this, "LoadBalancer", new LoadBalancer.Props(network,
                p.allowedCidr.getValueAsString(), new LoadBalancer.Tls(p.certificateArn.getValueAsString(),
                        p.hasCertificateArn, p.hasCertificate, p.domainName.getValueAsString(), p.hostedZoneId.getValueAsString(),
                        p.managesDomain), p.idleTimeoutSeconds.getValueAsString(), signIn));
        String allowedHosts = Fn.conditionIf(p.hasDomainName.getLogicalId(),
                Fn.join(",", List.of(loadBalancer.dnsName(), p.domainName.getValueAsString())),
                loadBalancer.dnsName()).toString();
        TrackingService service = new TrackingService(this, "Tracking", TrackingService.Props.builder()
                .network(network).loadBalancer(loadBalancer).signIn(signIn).database(database).artifacts(artifacts).secrets(secrets)
                .image(p.image.getValueAsString())
                .cpu(p.taskCpu.getValueAsNumber())
                .memoryMiB(p.taskMemory.getValueAsNumber())
                .ephemeralStorageGiB(p.ephemeralStorage.getValueAsNumber())
                .workers(p.workers.getValueAsString())
                .desiredCount(p.desiredTaskCount.getValueAsNumber())
                .minCount(p.minTaskCount.getValueAsNumber())
                .maxCount(p.maxTaskCount.getValueAsNumber())
                .cpuTargetPercent(p.cpuTargetPercent.getValueAsNumber())
                .capacityProvider(p.capacityProvider.getValueAsString())
                .logRetentionDays(p.logRetentionDays.getValueAsNumber())
                .authMode(p.authMode.getValueAsString())
                .defaultPermission(p.defaultPermission.getValueAsString())
                .allowedHosts(allowedHosts)
                .idleTimeoutSeconds(p.idleTimeoutSeconds.getValueAsString())
                .credentialsVersion(p.credentialsVersion.getValueAsString())
                .build());

        CustomResourceFunction.Code code = new CustomResourceFunction.Code(p.codeBucket.getValueAsString(),
                p.codeKey.getValueAsString(), p.logRetentionDays.getValueAsNumber());
        DatabaseSetup databaseSetup = new DatabaseSetup(this, "DatabaseSetup",
                new DatabaseSetup.Props(network, database, code, p.basicAuth, p.credentialsVersion.getValueAsString()));
        SchemaMigration schema = new SchemaMigration(this, "SchemaMigration",
                new SchemaMigration.Props(network, service, database, databaseSetup, p.image.getValueAsString(), code,
                        p.keepSnapshots.getValueAsString()));
        String host = Fn.conditionIf(p.hasDomainName.getLogicalId(), p.domainName.getValueAsString(),
                loadBalancer.dnsName()).toString();
        HealthGate health = new HealthGate(this, "HealthGate", new HealthGate.Props(network, loadBalancer,
                service, schema, host, p.image.getValueAsString(), p.healthTimeoutSeconds.getValueAsString(), code));
        databaseSetup.discardOldPasswordAfter(health.resource());

        Alarms alarms = new Alarms(this, "Alarms", new Alarms.Props(p.alarmEmail.getValueAsString(), loadBalancer, service,
                database, p.minTaskCount.getValueAsNumber(), p.hasAlarmEmail, p.alarmsOnPurge));
        network.natInstance().alsoNotify(alarms.topicArn(), p.hasAlarmEmail);
        new DeletedDataPurge(this, "Purge", new DeletedDataPurge.Props(service, network,
                p.purgeDeletedAfterDays.getValueAsString(), p.purgesDeleted));

        output("TrackingUri", "MLflow tracking URI: set MLFLOW_TRACKING_URI to this",
                Fn.join("", List.of(loadBalancer.scheme(), "://", host)));
        output("LoadBalancerDnsName", "DNS name of the load balancer: point DomainName's CNAME or alias here",
                loadBalancer.dnsName());
        output("MlflowVersion", "MLflow version the tracking server's container logged when the stack last changed",
                health.mlflowVersion());
        output("DmlflowVersion", "dmlflow version that last deployed the stack (unrecorded: not deployed by deploy.sh or a pipeline of dmlflow package)",
                p.dmlflowVersion.getValueAsString());
        output("AdminUsername", "basic-auth admin user", ServerSecrets.ADMIN_USERNAME);
        output("AdminSecretArn", "Secrets Manager secret holding the admin password (read it with"
                + " aws secretsmanager get-secret-value)", secrets.adminPassword().getSecretArn());
        CfnOutput pool = new CfnOutput(this, "CognitoUserPoolId", CfnOutputProps.builder()
                .description("Cognito user pool of the people who sign in (SignIn cognito): invite them with aws"
                        + " cognito-idp admin-create-user (README, Sign-in)")
                .value(signIn.pool().getRef()).build());
        pool.setCondition(p.keepsCognitoPool);
        output("ArtifactBucket", "S3 bucket of the artifacts (kept when the stack is deleted)", artifacts.bucketName());
        output("DatabaseEndpoint", "Aurora cluster endpoint (reachable from inside the VPC only)", database.endpoint());
        output("LogGroup", "CloudWatch log group of the tracking server", service.logGroup().getLogGroupName());
        output("ClusterName", "ECS cluster", service.clusterName());
        output("ServiceName", "ECS service of the tracking server", service.serviceName());

        SecurityReview.apply(this, network, loadBalancer, artifacts, database, secrets, service, signIn);
    }

    private static KeptSecrets.Choice kept(CfnParameter existing, CfnCondition makeNew) {
        return new KeptSecrets.Choice(existing.getValueAsString(), makeNew);
    }

    private void output(String id, String description, String value) {
        new CfnOutput(this, id, CfnOutputProps.builder().description(description).value(value).build());
    }
}

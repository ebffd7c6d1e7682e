package dmlflow.template.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.constructs.Construct;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.IConnectable;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.rds.AuroraMysqlClusterEngineProps;
import software.amazon.awscdk.services.rds.AuroraMysqlEngineVersion;
import software.amazon.awscdk.services.rds.CfnDBCluster;
import software.amazon.awscdk.services.rds.ClusterInstance;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterEngine;
import software.amazon.awscdk.services.rds.DatabaseClusterProps;
import software.amazon.awscdk.services.rds.IClusterEngine;
import software.amazon.awscdk.services.rds.ParameterGroup;
import software.amazon.awscdk.services.rds.ParameterGroupProps;
import software.amazon.awscdk.services.rds.ServerlessV2ClusterInstanceProps;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;

/**
 * Aurora MySQL 3 Serverless v2: MLflow's backend store (and basic-auth's user store), in the
 * isolated subnets, reachable only from what {@link #allowFrom} names.
 */
final class Database extends Construct {
    static final String MASTER_USERNAME = "dmlflow_admin";
    static final String APP_USERNAME = "mlflow";
    /** Characters a generated password leaves out: the ones Aurora refuses, and quotes. */
    static final String EXCLUDED_PASSWORD_CHARACTERS = " \"'`/@\\";

    /** Where a restored database comes from, and which kept secrets it uses. */
    record Restore(String snapshotIdentifier, CfnCondition restores, KeptSecrets.Choice masterSecret,
            KeptSecrets.Choice userSecret) {
        Restore {
            Objects.requireNonNull(snapshotIdentifier, "snapshotIdentifier");
            Objects.requireNonNull(restores, "restores");
            Objects.requireNonNull(masterSecret, "masterSecret");
            Objects.requireNonNull(userSecret, "userSecret");
        }
    }

    record Props(Network network, String engineVersion, Number minCapacity, Number maxCapacity,
            String backupRetentionDays, String deletionProtection, Restore restore) {
        Props {
            Objects.requireNonNull(restore, "restore");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(engineVersion, "engineVersion");
            Objects.requireNonNull(minCapacity, "minCapacity");
            Objects.requireNonNull(maxCapacity, "maxCapacity");
            Objects.requireNonNull(backupRetentionDays, "backupRetentionDays");
            Objects.requireNonNull(deletionProtection, "deletionProtection");
        }
    }

    private final DatabaseCluster cluster;
    private final CfnDBCluster cfnCluster;
    private final KeptSecrets.Made masterSecret;
    private final KeptSecrets.Made appUserSecret;

    Database(Construct scope, String id, Props props) {
        super(scope, id);
        IClusterEngine engine = DatabaseClusterEngine.auroraMysql(AuroraMysqlClusterEngineProps.builder()
                .version(AuroraMysqlEngineVersion.of(
                        Fn.join("", List.of("8.0.mysql_aurora.", props.engineVersion())), "8.0"))
                .build());
        Map<String, String> parameters = new TreeMap<>();
        // MLflow's MySQL migrations create a TRIGGER; with binary logging on, a user without
        // SUPER may do that only when this is set (mlflow issues 19943, 23721).
        parameters.put("log_bin_trust_function_creators", "1");
        ParameterGroup parameterGroup = new ParameterGroup(this, "Parameters", ParameterGroupProps.builder()
                .engine(engine)
                .description("dmlflow: MLflow on Aurora MySQL 3")
                .parameters(parameters)
                .build());

        masterSecret = KeptSecrets.login(this, "MasterSecret", "DatabaseMasterSecret",
                "dmlflow: the Aurora master login (kept when the stack is removed)", MASTER_USERNAME, 30,
                props.restore().masterSecret());
        cluster = new DatabaseCluster(this, "Cluster", DatabaseClusterProps.builder()
                .engine(engine)
                .parameterGroup(parameterGroup)
                .credentials(Credentials.fromSecret(masterSecret.used(), MASTER_USERNAME))
                .vpc(props.network().vpc())
                .vpcSubnets(props.network().dataSubnets())
                .writer(ClusterInstance.serverlessV2("Writer", ServerlessV2ClusterInstanceProps.builder()
                        .autoMinorVersionUpgrade(true)
                        .publiclyAccessible(false)
                        .build()))
                .serverlessV2MinCapacity(0)
                .serverlessV2MaxCapacity(2)
                .storageEncrypted(true)
                .copyTagsToSnapshot(true)
                // Deleting or replacing the cluster leaves a final snapshot behind, whatever the
                // deletion-protection parameter says.
                .removalPolicy(RemovalPolicy.SNAPSHOT)
                .build());
        cfnCluster = (CfnDBCluster) cluster.getNode().getDefaultChild();
        ((CfnResource) ((Construct) masterSecret()).getNode().getDefaultChild())
                .overrideLogicalId("DatabaseClusterSecretAttachment");
        // Restoring: the snapshot brings its master user (CloudFormation refuses MasterUsername with
        // SnapshotIdentifier); the password is set from the secret in use either way. Once restored,
        // SnapshotIdentifier must stay as it is: a new value replaces the cluster (the deployer's
        // data-risk gate stops that).
        cfnCluster.addPropertyOverride("SnapshotIdentifier", Fn.conditionIf(props.restore().restores().getLogicalId(),
                props.restore().snapshotIdentifier(), Aws.NO_VALUE));
        cfnCluster.addPropertyOverride("MasterUsername", Fn.conditionIf(props.restore().restores().getLogicalId(),
                Aws.NO_VALUE, MASTER_USERNAME));
        // Parameter-driven values the L2 construct only takes as literals.
        cfnCluster.addPropertyOverride("ServerlessV2ScalingConfiguration.MinCapacity", props.minCapacity());
        cfnCluster.addPropertyOverride("ServerlessV2ScalingConfiguration.MaxCapacity", props.maxCapacity());
        cfnCluster.addPropertyOverride("BackupRetentionPeriod", props.backupRetentionDays());
        cfnCluster.addPropertyOverride("DeletionProtection", props.deletionProtection());

        appUserSecret = KeptSecrets.login(this, "AppUser", "DatabaseAppUser",
                "dmlflow: the database user the MLflow tasks log in with (kept when the stack is removed)", APP_USERNAME, 32,
                props.restore().userSecret());
    }

    /** Opens the MySQL port to a security-group holder; nothing else reaches the database. */
    void allowFrom(IConnectable peer, String description) {
        cluster.getConnections().allowFrom(peer, Port.tcp(3306), description);
    }

    String endpoint() {
        return cluster.getClusterEndpoint().getHostname();
    }

    String port() {
        return cfnCluster.getAttrEndpointPort();
    }

    /** The writer instance: the cluster answers connections only once it exists. */
    Construct writer() {
        return (Construct) cluster.getNode().findChild("Writer");
    }

    /** The secrets this stack makes when no kept ones are given. */
    List<Secret> createdSecrets() {
        return List.of(masterSecret.created(), appUserSecret.created());
    }

    /** The master secret in use, as attached to the cluster (the attachment adds host and port). */
    ISecret masterSecret() {
        return Objects.requireNonNull(cluster.getSecret(), "cluster secret");
    }

    ISecret appUserSecret() {
        return appUserSecret.used();
    }

    String clusterIdentifier() {
        return cluster.getClusterIdentifier();
    }

    String clusterArn() {
        return Stack.of(this).formatArn(ArnComponents.builder().service("rds").resource("cluster")
                .resourceName(cluster.getClusterIdentifier()).arnFormat(ArnFormat.COLON_RESOURCE_NAME).build());
    }

    DatabaseCluster cluster() {
        return cluster;
    }
}

package dmlflow.template.mlflow;

import dmlflow.template.cdk.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnConditionProps;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.CfnParameterProps;
import software.amazon.awscdk.CfnRule;
import software.amazon.awscdk.CfnRuleProps;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.ICfnConditionExpression;
import software.amazon.awscdk.ICfnRuleConditionExpression;
import software.amazon.awscdk.Stack;

/**
 * Every parameter of the template, with its console group, label, description and constraint.
 *
 * <p>The order here is the order the console shows. The deployer validates user input against
 * the same constraints, read back from the synthesized template.
 */
final class StackParameters {
    static final String DEFAULT_IMAGE = "ghcr.io/mlflow/mlflow:v3.17.0-full";
    static final String DEFAULT_ENGINE_VERSION = "3.10.3";
    static final int MAX_WORKERS = 16;
    /**
     * A month in MLflow's trash before a deleted run is purged: long enough to notice a mistaken
     * delete after a holiday, short enough that the bucket stops paying for abandoned artifacts.
     */
    static final int DEFAULT_PURGE_DAYS = 30;
    /** What the default image and its unpacked layers take of the task's ephemeral storage, rounded up. */
    static final int IMAGE_GIB = 5;

    private static final String IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    private static final String IPV4 = "(" + IPV4_OCTET + "\\.){3}" + IPV4_OCTET;

    private final Stack stack;
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private String currentGroup;

    final CfnParameter vpcCidr;
    final CfnParameter natMode;
    final CfnParameter natInstanceImageId;
    final CfnParameter natInstanceType;
    final CfnParameter hostedZoneId;
    final CfnParameter alarmEmail;
    final CfnParameter allowedCidr;
    final CfnParameter certificateArn;
    final CfnParameter domainName;
    final CfnParameter idleTimeoutSeconds;
    final CfnParameter authMode;
    final CfnParameter defaultPermission;
    final CfnParameter signIn;
    final CfnParameter adminEmails;
    final CfnParameter oidcIssuer;
    final CfnParameter oidcAuthorizationEndpoint;
    final CfnParameter oidcTokenEndpoint;
    final CfnParameter oidcUserInfoEndpoint;
    final CfnParameter oidcClientId;
    final CfnParameter oidcClientSecretArn;
    final CfnParameter oidcClientSecretVersion;
    final CfnParameter oidcUnverifiedEmails;
    final CfnParameter cognitoDomainPrefix;
    final CfnParameter cognitoMfa;
    final CfnParameter image;
    final CfnParameter capacityProvider;
    final CfnParameter taskCpu;
    final CfnParameter taskMemory;
    final CfnParameter ephemeralStorage;
    final CfnParameter workers;
    final CfnParameter desiredTaskCount;
    final CfnParameter minTaskCount;
    final CfnParameter maxTaskCount;
    final CfnParameter cpuTargetPercent;
    final CfnParameter logRetentionDays;
    final CfnParameter purgeDeletedAfterDays;
    final CfnParameter engineVersion;
    final CfnParameter dbMinCapacity;
    final CfnParameter dbMaxCapacity;
    final CfnParameter dbBackupRetentionDays;
    final CfnParameter dbDeletionProtection;
    final CfnParameter keepSnapshots;
    final CfnParameter credentialsVersion;
    final CfnParameter codeBucket;
    final CfnParameter codeKey;
    final CfnParameter healthTimeoutSeconds;
    final CfnParameter dmlflowVersion;
    final CfnParameter snapshotIdentifier;
    final CfnParameter existingBucket;
    final CfnParameter existingMasterSecret;
    final CfnParameter existingUserSecret;
    final CfnParameter existingAdminSecret;
    final CfnParameter existingFlaskKey;

    final CfnCondition natGateway;
    final CfnCondition natInstance;
    final CfnCondition natInstanceImageGiven;
    final CfnCondition managesDomain;
    final CfnCondition hasCertificateArn;
    final CfnCondition hasAlarmEmail;
    final CfnCondition hasCertificate;
    final CfnCondition hasDomainName;
    final CfnCondition basicAuth;
    final CfnCondition signsInWithOidc;
    final CfnCondition signsInWithCognito;
    final CfnCondition signsIn;
    final CfnCondition keepsCognitoPool;
    final CfnCondition cognitoMfaOff;
    final CfnCondition oidcSecretVersionGiven;
    final CfnCondition restoresDatabase;
    final CfnCondition makesBucket;
    final CfnCondition makesMasterSecret;
    final CfnCondition makesUserSecret;
    final CfnCondition makesAdminSecret;
    final CfnCondition makesFlaskKey;
    final CfnCondition purgesDeleted;
    final CfnCondition alarmsOnPurge;

    StackParameters(Stack stack) {
        this.stack = stack;

        group("Network");
        vpcCidr = string("VpcCidr", "VPC CIDR block", "10.0.0.0/16",
                "IPv4 range of the new VPC, from /16 to /21. Six /24 subnets are carved from its start.",
                "^" + IPV4 + "/(1[6-9]|2[01])$",
                "must be an IPv4 CIDR block with a prefix from /16 to /21, e.g. 10.0.0.0/16");
        allowedCidr = string("AllowedCidr", "Allowed client CIDR", "0.0.0.0/0",
                "IPv4 range allowed to reach the load balancer (ports 80 and 443). 0.0.0.0/0 is anyone"
                        + " on the internet; narrow it to your office or VPN range.",
                "^" + IPV4 + "/([0-9]|[1-2][0-9]|3[0-2])$",
                "must be an IPv4 CIDR block, e.g. 203.0.113.0/24");

        natMode = allowed("NatMode", "Way out of the private subnets", "gateway", List.of("gateway", "instance"),
                "gateway: a managed NAT gateway (~$33 a month before data). instance: a NAT instance of"
                        + " NatInstanceType (~$7 a month as t4g.micro), recovered or rebooted by CloudWatch alarms when"
                        + " its status checks fail; a few minutes without a way out if it must be replaced.");
        natInstanceType = allowed("NatInstanceType", "NAT instance type", NatInstance.DEFAULT_TYPE,
                List.copyOf(NatInstance.BASELINE_MBPS.keySet()),
                "With NatMode instance: its size. Every task start pulls the ~2 GB image through it, and an"
                        + " upgrade pulls it two or three times in a row. At its baseline bandwidth (once its burst is"
                        + " spent) t4g.micro takes ~250 s a pull, t4g.small ~125 s, t4g.nano ~500 s: two of those"
                        + " pass the schema function's 900 s. t4g.nano saves ~$3 a month.");
        natInstanceImageId = string("NatInstanceImageId", "NAT instance image", "",
                "With NatMode instance: the Amazon Linux 2023 arm64 AMI it runs. Empty: the newest, read once"
                        + " from SSM (" + NatInstance.LATEST_IMAGE + ") when the instance is made; ./deploy.sh"
                        + " fills it in, so an update never replaces the instance for a newer image.",
                "^(ami-([0-9a-f]{8}|[0-9a-f]{17}))?$",
                "must be empty or an AMI id, e.g. ami-0123456789abcdef0");

        group("Load balancer and TLS");
        certificateArn = string("CertificateArn", "ACM certificate ARN", "",
                "Optional. An ACM certificate in this region, made elsewhere: enables HTTPS on 443 and"
                        + " redirects 80 to it. For one the stack makes, give HostedZoneId instead.",
                "^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$",
                "must be empty or an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)");
        domainName = string("DomainName", "Domain name", "",
                "Optional. The DNS name users reach the server by (MLflow refuses Host headers it does not"
                        + " know). With HostedZoneId the stack points it at the load balancer; without, you do.",
                "^$|^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}$",
                "must be empty or a DNS name such as mlflow.example.com");
        hostedZoneId = string("HostedZoneId", "Route 53 hosted zone", "",
                "Optional, with DomainName: the public Route 53 zone that holds it. The stack then makes a"
                        + " DNS-validated ACM certificate for DomainName, an alias record to the load balancer and"
                        + " HTTPS on 443. Leave CertificateArn empty.",
                "^$|^Z[A-Z0-9]{1,31}$",
                "must be empty or a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        idleTimeoutSeconds = number("IdleTimeoutSeconds", "Idle timeout (seconds)", 300, 60, 4000,
                "Load balancer idle timeout. Large artifact uploads and downloads need it long;"
                        + " the server's keep-alive is set 5 seconds longer.");

        group("Alarms");
        alarmEmail = string("AlarmEmail", "Alarm email", "",
                "Optional. Where alarms are sent (confirm the subscription email AWS sends). Adds alarms on"
                        + " 5xx errors, unhealthy or missing tasks, tasks that fail to start, and Aurora at its"
                        + " maximum capacity, and a dashboard (~$5 a month). Empty: none of it is made.",
                "^$|^[^@\\s,;<>]+@[^@\\s,;<>]+\\.[^@\\s,;<>]+$",
                "must be empty or one email address");

        group("Authentication");
        authMode = allowed("AuthMode", "Authentication", "basic", List.of("basic", "none"),
                "basic: MLflow's built-in users and permissions (admin password in Secrets Manager)."
                        + " none: no login at all; only with a narrow AllowedCidr.");
        defaultPermission = allowed("DefaultPermission", "Default permission", "READ",
                List.of("READ", "EDIT", "MANAGE", "NO_PERMISSIONS"),
                "With basic auth: what every user may do with experiments and models they were not"
                        + " granted anything on.");

        group("Sign-in");
        signIn = allowed("SignIn", "Sign-in", "basic", List.of("basic", "oidc", "cognito"),
                "basic: MLflow's users and passwords only. oidc: people sign in at the load balancer with your"
                        + " identity provider (Entra ID, Okta, Google...), scripts with a personal token from"
                        + " /dmlflow/token. cognito: the same with a user pool this stack makes. oidc and cognito need"
                        + " HTTPS (HostedZoneId, or CertificateArn and DomainName) and AuthMode basic (README, Sign-in).");
        adminEmails = string("AdminEmails", "Admin e-mails", "",
                "With oidc or cognito: e-mail addresses, comma-separated, whose sign-in makes them MLflow admins."
                        + " Removing one later does not demote (README, Offboarding).",
                "^$|^[^@\\s,;<>]+@[^@\\s,;<>]+\\.[^@\\s,;<>]+(,[^@\\s,;<>]+@[^@\\s,;<>]+\\.[^@\\s,;<>]+)*$",
                "must be empty or e-mail addresses separated by commas, without spaces");
        oidcIssuer = string("OidcIssuer", "OIDC issuer", "",
                "With oidc: the identity provider's issuer, as its /.well-known/openid-configuration says.",
                "^$|^https://[^\\s]+$", "must be empty or an https URL");
        oidcAuthorizationEndpoint = string("OidcAuthorizationEndpoint", "OIDC authorization endpoint", "",
                "With oidc: authorization_endpoint from the provider's /.well-known/openid-configuration.",
                "^$|^https://[^\\s]+$", "must be empty or an https URL");
        oidcTokenEndpoint = string("OidcTokenEndpoint", "OIDC token endpoint", "",
                "With oidc: token_endpoint from the provider's /.well-known/openid-configuration.",
                "^$|^https://[^\\s]+$", "must be empty or an https URL");
        oidcUserInfoEndpoint = string("OidcUserInfoEndpoint", "OIDC user info endpoint", "",
                "With oidc: userinfo_endpoint from the provider's /.well-known/openid-configuration.",
                "^$|^https://[^\\s]+$", "must be empty or an https URL");
        oidcClientId = string("OidcClientId", "OIDC client id", "",
                "With oidc: the client (application) id registered with the provider, whose redirect URI is"
                        + " https://DomainName/oauth2/idpresponse.",
                "^$|^[!-~]{1,255}$", "must be empty or a client id without spaces");
        oidcClientSecretArn = secretArnParameter("OidcClientSecretArn", "OIDC client secret",
                "With oidc: the Secrets Manager secret whose value is the client secret (plain text, not JSON)."
                        + " The template holds only its ARN.");
        oidcClientSecretVersion = string("OidcClientSecretVersion", "OIDC client secret version", "",
                "With oidc: empty for the secret's current value when the stack last changed. After putting a new"
                        + " client secret into it, give the new version id (README, Sign-in): the load balancer"
                        + " reads the secret only when this changes.",
                "^$|^[A-Za-z0-9-]{32,64}$", "must be empty or a Secrets Manager version id");
        oidcUnverifiedEmails = allowed("OidcUnverifiedEmails", "Unverified e-mails", "reject",
                List.of("reject", "accept"),
                "With oidc: accept trusts an e-mail the provider does not mark verified (email_verified), for"
                        + " Microsoft Entra ID, which never sends that claim: only if your directory's admins set"
                        + " every address.");
        cognitoDomainPrefix = string("CognitoDomainPrefix", "Cognito domain prefix", "",
                "With cognito: the sign-in page's address, PREFIX.auth.REGION.amazoncognito.com, unique in the"
                        + " region. The user pool (everyone's account) is kept while this is set, whatever SignIn says;"
                        + " cleared, the pool leaves the stack but stays in the account. To change it: README, Sign-in.",
                "^$|^[a-z0-9](-?[a-z0-9]){0,62}$",
                "must be empty or lower-case letters, digits and single hyphens, at most 63, without aws, amazon or"
                        + " cognito, e.g. acme-mlflow");
        // No OPTIONAL: Cognito's sign-in page does not offer to set MFA up then (CreateUserPool,
        // MfaConfiguration), and the load balancer's client cannot either, so it would be OFF.
        cognitoMfa = allowed("CognitoMfa", "Cognito MFA", "ON", List.of("ON", "OFF"),
                "With cognito: ON asks everyone for an authenticator-app code, set up at their first sign-in;"
                        + " OFF never asks. Chosen when the pool is made: Cognito refuses to turn ON a pool made OFF.");

        group("Tracking server");
        image = string("MlflowImage", "MLflow image", DEFAULT_IMAGE,
                "Container image of the tracking server. It needs PyMySQL and boto3 (the official -full images"
                        + " have them) and, with AuthMode basic, Flask-WTF: -full images from 3.9 lack it until mlflow"
                        + " PR #23892 (2026-06-10); the default has it. Pin a version; an upgrade that changes the schema"
                        + " stops the server, snapshots the database and migrates.",
                "^[a-z0-9][a-z0-9._/:-]*[a-z0-9](:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$",
                "must be an image reference with a tag or digest, e.g. " + DEFAULT_IMAGE);
        capacityProvider = allowed("CapacityProvider", "Fargate capacity", "FARGATE", List.of("FARGATE", "FARGATE_SPOT"),
                "FARGATE: on-demand. FARGATE_SPOT: about 70% cheaper, but AWS may stop a task with two minutes'"
                        + " notice; the service starts another (a short outage with one task).");
        taskCpu = allowed("TaskCpu", "Task CPU units", "512", List.of("512", "1024", "2048", "4096"),
                "Fargate CPU units of one task (1024 = 1 vCPU). MLflow's server mostly waits on the database and S3;"
                        + " autoscaling adds tasks at CpuTargetPercent.");
        taskCpu.setType("Number");
        taskMemory = number("TaskMemory", "Task memory (MiB)", 2048, 1024, 30720,
                "Memory of one task in MiB, a multiple of 1024 that Fargate allows with TaskCpu"
                        + " (512: 1024-4096, 1024: 2048-8192, 2048: 4096-16384, 4096: 8192-30720)."
                        + " Under load one worker peaked at ~" + FargateSizes.WORKER_PEAK_MIB + " MiB and the mlflow"
                        + " process beside it at ~" + FargateSizes.SERVER_BASE_MIB + " MiB (README, How fast it serves).");
        ephemeralStorage = number("EphemeralStorageGiB", "Ephemeral storage (GiB)", 30, 21, 200,
                "Task scratch space, shared with the image (~" + IMAGE_GIB + " GiB): MLflow's proxy writes each"
                        + " artifact upload and download whole to it on its way to or from S3, so the largest"
                        + " artifact it serves is about this minus " + IMAGE_GIB + " GiB (25 GiB at 30), less"
                        + " whatever other transfers hold at the same time. Files over ~1 GB: use the client's"
                        + " multipart switches (README).");
        // Listed, not a range: "2.0" or "02" would pass a Number range, match no memory rule and
        // fail uvicorn's start.
        workers = allowed("Workers", "Server workers", "1",
                java.util.stream.IntStream.rangeClosed(1, MAX_WORKERS).mapToObj(String::valueOf).toList(),
                "uvicorn worker processes per task: 1 with TaskCpu 512 or 1024, at most one per vCPU above."
                        + " One worker serves many requests at once (threads); a second on the same vCPU only"
                        + " slows it, and with two or more uvicorn adds ~40 ms to every request on a kept-alive"
                        + " connection (uvicorn issue 3149). Each worker peaks at ~" + FargateSizes.WORKER_PEAK_MIB
                        + " MiB: TaskMemory must hold them within 70%.");
        workers.setType("Number");
        desiredTaskCount = number("DesiredTaskCount", "Desired tasks", 1, 1, 10,
                "Tasks to start with; between MinTaskCount and MaxTaskCount.");
        minTaskCount = number("MinTaskCount", "Minimum tasks", 1, 1, 10, "Fewest tasks autoscaling keeps.");
        maxTaskCount = number("MaxTaskCount", "Maximum tasks", 2, 1, 20, "Most tasks autoscaling starts.");
        cpuTargetPercent = number("CpuTargetPercent", "Autoscaling CPU target (%)", 70, 10, 95,
                "Average CPU utilisation the service scales out and in around.");
        logRetentionDays = allowed("LogRetentionDays", "Log retention (days)", "90",
                List.of("1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400",
                        "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653"),
                "How long CloudWatch keeps the server's and the custom resources' logs.");
        logRetentionDays.setType("Number");
        // A pattern, not a Number range: 1.5 or 0.0 would pass a range, then fail the start script
        // every day or leave the schedule on while the script treats it as off.
        purgeDeletedAfterDays = string("PurgeDeletedAfterDays", "Purge deleted after (days)",
                String.valueOf(DEFAULT_PURGE_DAYS),
                "Runs, experiments and models deleted in MLflow (its trash) more than this many days ago are"
                        + " purged with their artifacts, once a day at 03:00 UTC (mlflow gc). Until then the UI and"
                        + " the API can restore them; purged artifacts stay in the bucket's old object versions for"
                        + " 30 more days. 0: nothing is ever purged.",
                "^(0|[1-9][0-9]{0,3})$", "must be a whole number of days from 0 to 9999");

        group("Database");
        engineVersion = string("DatabaseEngineVersion", "Aurora MySQL version", DEFAULT_ENGINE_VERSION,
                "Aurora MySQL 3 version (3.08 or later, the first to pause at 0 ACU). Raising it"
                        + " upgrades the cluster in place.",
                "^3\\.(0[89]|[1-9][0-9])\\.[0-9]+$",
                "must be an Aurora MySQL 3 version from 3.08.0 on, e.g. " + DEFAULT_ENGINE_VERSION);
        dbMinCapacity = number("DatabaseMinCapacity", "Minimum ACUs", 0, 0, 256,
                "Least Aurora capacity in ACUs, in steps of 0.5. 0 lets an idle database pause"
                        + " (the first request after a pause waits ~15 s).");
        dbMaxCapacity = number("DatabaseMaxCapacity", "Maximum ACUs", 2, 1, 256,
                "Most Aurora capacity in ACUs, in steps of 0.5.");
        dbBackupRetentionDays = number("DatabaseBackupRetentionDays", "Backup retention (days)", 7, 1, 35,
                "Days of automated backups (point-in-time restore).");
        dbDeletionProtection = allowed("DatabaseDeletionProtection", "Deletion protection", "false",
                List.of("true", "false"),
                "true refuses any deletion of the cluster, the stack's included. Either way, deleting"
                        + " the stack keeps a final snapshot.");

        keepSnapshots = number("PreUpgradeSnapshotsKept", "Pre-upgrade snapshots kept", 3, 1, 100,
                "An MLflow upgrade that changes the schema first takes a manual snapshot (dmlflow-STACK-before-"
                        + "VERSION-…), the way back if it fails. After a successful one, this many of the newest are"
                        + " kept and older ones deleted: manual snapshots outlive the stack and count against the"
                        + " account's quota (100 per region by default).");
        credentialsVersion = string("CredentialsVersion", "Credentials version", "1",
                "Change it (to any new value) after putting a new password into the database user's secret:"
                        + " the user's password is set again and the tasks restart with it.",
                "^[A-Za-z0-9._-]{1,32}$", "must be 1 to 32 letters, digits, dots, hyphens or underscores");

        group("Custom resources");
        codeBucket = string("CustomResourcesCodeBucket", "Code bucket", null,
                "S3 bucket holding the custom-resources jar (deploy.sh uploads it for you).",
                "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                "must be an S3 bucket name");
        codeKey = string("CustomResourcesCodeKey", "Code key", null,
                "S3 key of the custom-resources jar; a new key per build, so that functions update.",
                "^[A-Za-z0-9!_.*'()/-]+\\.jar$",
                "must be the S3 key of a .jar file");
        healthTimeoutSeconds = number("HealthCheckTimeoutSeconds", "Health wait (seconds)", 600, 120, 840,
                "How long the stack waits for the tracking server to become healthy before failing.");
        dmlflowVersion = string("DeployerVersion", "dmlflow version", "unrecorded",
                "Which dmlflow made this stack: deploy.sh and dmlflow package fill it in, and the stack's"
                        + " DmlflowVersion output shows it. Leave it as it is in the console.",
                "^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$",
                "must be a version such as 0.1.0+e68169c: letters, digits, dots, hyphens, underscores and plus signs");

        group("Restore (set when creating the stack)");
        snapshotIdentifier = string("DatabaseSnapshotIdentifier", "Restore from database snapshot", "",
                "Optional. An Aurora MySQL cluster snapshot (name or ARN), e.g. the final snapshot remove.sh kept:"
                        + " the database starts from it. A new value on a live stack replaces the database with one"
                        + " restored from it (the way back to a point in time, README Operations; deploy.sh asks for"
                        + " 'replace data'); leave it as it is otherwise.",
                "^$|^[A-Za-z][A-Za-z0-9:-]{0,254}$|^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:cluster-snapshot:[A-Za-z0-9:-]+$",
                "must be empty, or a DB cluster snapshot identifier or ARN");
        existingBucket = string("ExistingArtifactBucket", "Kept artifact bucket", "",
                "Optional, on creation only. An artifact bucket a removed stack kept: the server serves its"
                        + " artifacts instead of a new, empty bucket's.",
                "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "must be empty or an S3 bucket name");
        existingMasterSecret = secretArn("ExistingDatabaseMasterSecretArn", "Kept database master secret",
                "the database's master login (username dmlflow_admin); with a snapshot, the password the snapshot has");
        existingUserSecret = secretArn("ExistingDatabaseUserSecretArn", "Kept database user secret",
                "the login of MLflow's own database user");
        existingAdminSecret = secretArn("ExistingAdminSecretArn", "Kept admin secret",
                "the basic-auth admin password; a restored user store keeps the old one, so with"
                        + " DatabaseSnapshotIdentifier and AuthMode basic it is required");
        existingFlaskKey = secretArn("ExistingFlaskSecretKeyArn", "Kept Flask secret key",
                "the key that signs sessions and CSRF tokens");

        natGateway = condition("NatGateway", Fn.conditionEquals(natMode.getValueAsString(), "gateway"));
        natInstance = condition("NatInstance", Fn.conditionEquals(natMode.getValueAsString(), "instance"));
        natInstanceImageGiven = condition("NatInstanceImageGiven", Fn.conditionNot(empty(natInstanceImageId)));
        managesDomain = condition("ManagesDomain", Fn.conditionNot(empty(hostedZoneId)));
        hasCertificateArn = condition("HasCertificateArn", Fn.conditionNot(empty(certificateArn)));
        hasCertificate = condition("HasCertificate", Fn.conditionOr(Fn.conditionNot(empty(certificateArn)),
                Fn.conditionNot(empty(hostedZoneId))));
        hasAlarmEmail = condition("HasAlarmEmail", Fn.conditionNot(empty(alarmEmail)));
        hasDomainName = condition("HasDomainName", Fn.conditionNot(Fn.conditionEquals(domainName.getValueAsString(), "")));
        basicAuth = condition("BasicAuth", Fn.conditionEquals(authMode.getValueAsString(), "basic"));
        signsInWithOidc = condition("SignsInWithOidc", Fn.conditionEquals(signIn.getValueAsString(), "oidc"));
        keepsCognitoPool = condition("KeepsCognitoUserPool", Fn.conditionNot(empty(cognitoDomainPrefix)));
        cognitoMfaOff = condition("CognitoMfaOff", Fn.conditionEquals(cognitoMfa.getValueAsString(), "OFF"));
        signsInWithCognito = condition("SignsInWithCognito", Fn.conditionAnd(
                Fn.conditionEquals(signIn.getValueAsString(), "cognito"), keepsCognitoPool));
        // Rules refuse sign-in without HTTPS; the condition says it too, so no resource refers to a
        // listener that does not exist.
        signsIn = condition("SignsInAtLoadBalancer", Fn.conditionAnd(
                Fn.conditionOr(signsInWithOidc, signsInWithCognito), hasCertificate));
        oidcSecretVersionGiven = condition("OidcClientSecretVersionGiven", Fn.conditionNot(empty(oidcClientSecretVersion)));
        restoresDatabase = condition("RestoresDatabase", Fn.conditionNot(empty(snapshotIdentifier)));
        makesBucket = condition("MakesArtifactBucket", empty(existingBucket));
        makesMasterSecret = condition("MakesDatabaseMasterSecret", empty(existingMasterSecret));
        makesUserSecret = condition("MakesDatabaseUserSecret", empty(existingUserSecret));
        makesAdminSecret = condition("MakesAdminSecret", empty(existingAdminSecret));
        makesFlaskKey = condition("MakesFlaskSecretKey", empty(existingFlaskKey));
        purgesDeleted = condition("PurgesDeleted", Fn.conditionNot(Fn.conditionEquals(
                purgeDeletedAfterDays.getValueAsString(), "0")));
        alarmsOnPurge = condition("AlarmsOnPurge", Fn.conditionAnd(purgesDeleted, hasAlarmEmail));
        // The stack makes the certificate for a zone it is given, or uses the one given, never both;
        // a zone alone names nothing to certify.
        CfnRule oneCertificate = new CfnRule(stack, "CertificateFromArnOrZoneNotBoth", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionNot(empty(hostedZoneId)))
                .build());
        oneCertificate.addAssertion(empty(certificateArn), "Give CertificateArn (a certificate made elsewhere) or"
                + " HostedZoneId (the stack makes one for DomainName), not both");
        oneCertificate.addAssertion(Fn.conditionNot(empty(domainName)), "HostedZoneId needs DomainName: the name in"
                + " that zone users will reach the server by, e.g. mlflow.example.com");
        // A certificate made elsewhere is for a name: without DomainName the server's address would be
        // the load balancer's, which the certificate does not cover, and MLflow's allowed hosts
        // would not take the certificate's name either.
        CfnRule certificateName = new CfnRule(stack, "CertificateArnNeedsDomainName", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionNot(empty(certificateArn)))
                .build());
        certificateName.addAssertion(Fn.conditionNot(empty(domainName)), "CertificateArn needs DomainName: the name"
                + " the certificate is for, which you point at the load balancer, e.g. mlflow.example.com");
        // A restored user store keeps the admin password it had: a new admin secret would not log in.
        CfnRule restoreKeepsAdmin = new CfnRule(stack, "RestoredUserStoreKeepsItsAdminSecret", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionAnd(Fn.conditionNot(empty(snapshotIdentifier)),
                        Fn.conditionEquals(authMode.getValueAsString(), "basic")))
                .build());
        restoreKeepsAdmin.addAssertion(Fn.conditionNot(empty(existingAdminSecret)),
                "With DatabaseSnapshotIdentifier and AuthMode basic, give ExistingAdminSecretArn: the restored user"
                        + " store keeps the admin password it had (remove.sh printed the kept secret's ARN)");
        signInRules();
    }

    private void signInRules() {
        ICfnRuleConditionExpression signsInRule = Fn.conditionNot(Fn.conditionEquals(signIn.getValueAsString(), "basic"));
        // The load balancer's authenticate actions exist on HTTPS listeners only (ELB guide, "Authenticate
        // users using an Application Load Balancer"), and the provider redirects back to DomainName.
        CfnRule https = new CfnRule(stack, "SignInNeedsHttpsAndBasicAuth", CfnRuleProps.builder()
                .ruleCondition(signsInRule)
                .build());
        https.addAssertion(Fn.conditionOr(Fn.conditionNot(empty(hostedZoneId)), Fn.conditionNot(empty(certificateArn))),
                "SignIn oidc or cognito needs HTTPS: give HostedZoneId (the stack makes a certificate) or CertificateArn,"
                        + " with DomainName; the load balancer signs people in on HTTPS only");
        https.addAssertion(Fn.conditionNot(empty(domainName)), "SignIn oidc or cognito needs DomainName: the identity"
                + " provider sends people back to https://DomainName/oauth2/idpresponse");
        https.addAssertion(Fn.conditionEquals(authMode.getValueAsString(), "basic"), "SignIn oidc or cognito needs"
                + " AuthMode basic: MLflow's users and permissions are what a signed-in person gets");
        CfnRule oidc = new CfnRule(stack, "OidcNeedsItsProvider", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionEquals(signIn.getValueAsString(), "oidc"))
                .build());
        oidc.addAssertion(Fn.conditionAnd(Fn.conditionNot(empty(oidcIssuer)), Fn.conditionNot(empty(oidcAuthorizationEndpoint)),
                Fn.conditionNot(empty(oidcTokenEndpoint)), Fn.conditionNot(empty(oidcUserInfoEndpoint))),
                "SignIn oidc needs OidcIssuer, OidcAuthorizationEndpoint, OidcTokenEndpoint and OidcUserInfoEndpoint:"
                        + " copy them from the provider's /.well-known/openid-configuration (README, Sign-in)");
        oidc.addAssertion(Fn.conditionAnd(Fn.conditionNot(empty(oidcClientId)), Fn.conditionNot(empty(oidcClientSecretArn))),
                "SignIn oidc needs OidcClientId and OidcClientSecretArn: the application you registered with the"
                        + " provider, and the Secrets Manager secret holding its client secret");
        CfnRule cognito = new CfnRule(stack, "CognitoNeedsADomainPrefix", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionEquals(signIn.getValueAsString(), "cognito"))
                .build());
        cognito.addAssertion(Fn.conditionNot(empty(cognitoDomainPrefix)), "SignIn cognito needs CognitoDomainPrefix: the"
                + " first part of the sign-in page's address, e.g. acme-mlflow");
        CfnRule pool = new CfnRule(stack, "CognitoUserPoolNeedsDomainName", CfnRuleProps.builder()
                .ruleCondition(Fn.conditionNot(empty(cognitoDomainPrefix)))
                .build());
        pool.addAssertion(Fn.conditionNot(empty(domainName)), "CognitoDomainPrefix needs DomainName: the user pool"
                + " sends people back to https://DomainName/oauth2/idpresponse");
    }

    private static ICfnRuleConditionExpression empty(CfnParameter parameter) {
        return Fn.conditionEquals(parameter.getValueAsString(), "");
    }

    private CfnParameter secretArn(String id, String label, String what) {
        return secretArnParameter(id, label, "Optional, on creation only. A Secrets Manager secret a removed stack kept: "
                + what + ". Empty: a new one is generated.");
    }

    private CfnParameter secretArnParameter(String id, String label, String description) {
        return string(id, label, "", description,
                "^$|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$",
                "must be empty or the full ARN of a Secrets Manager secret (with its 6-character suffix)");
    }

    /** Groups and labels for the console's parameter form. */
    Map<String, Object> consoleInterface() {
        List<Object> parameterGroups = new ArrayList<>();
        groups.forEach((name, ids) -> {
            Map<String, Object> group = new LinkedHashMap<>();
            group.put("Label", Json.object("default", name));
            group.put("Parameters", ids);
            parameterGroups.add(group);
        });
        Map<String, Object> parameterLabels = new LinkedHashMap<>();
        labels.forEach((id, label) -> parameterLabels.put(id, Json.object("default", label)));
        Map<String, Object> ui = new LinkedHashMap<>();
        ui.put("ParameterGroups", parameterGroups);
        ui.put("ParameterLabels", parameterLabels);
        return ui;
    }

    private void group(String name) {
        currentGroup = name;
        groups.put(name, new ArrayList<>());
    }

    private CfnParameter add(String id, String label, CfnParameterProps props) {
        groups.get(currentGroup).add(id);
        labels.put(id, label);
        return new CfnParameter(stack, id, props);
    }

    private CfnParameter string(String id, String label, String defaultValue, String description,
            String pattern, String constraint) {
        return add(id, label, CfnParameterProps.builder()
                .type("String")
                .defaultValue(defaultValue)
                .description(description)
                .allowedPattern(pattern)
                .constraintDescription(constraint)
                .build());
    }

    private CfnParameter number(String id, String label, int defaultValue, int min, int max, String description) {
        return add(id, label, CfnParameterProps.builder()
                .type("Number")
                .defaultValue(defaultValue)
                .description(description)
                .minValue(min)
                .maxValue(max)
                .constraintDescription("must be a number from " + min + " to " + max)
                .build());
    }

    private CfnParameter allowed(String id, String label, String defaultValue, List<String> values, String description) {
        return add(id, label, CfnParameterProps.builder()
                .type("String")
                .defaultValue(defaultValue)
                .description(description)
                .allowedValues(values)
                .constraintDescription("must be one of " + String.join(", ", values))
                .build());
    }

    private CfnCondition condition(String id, ICfnConditionExpression expression) {
        return new CfnCondition(stack, id, CfnConditionProps.builder().expression(expression).build());
    }
}

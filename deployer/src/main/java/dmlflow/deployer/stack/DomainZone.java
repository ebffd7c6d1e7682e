package dmlflow.deployer.stack;

import dmlflow.deployer.aws.AwsErrors;
import dmlflow.deployer.console.DeployerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * The Route 53 zone a stack is to certify its DomainName in, checked before anything changes: ACM
 * validates through public DNS, so a private zone or a zone that does not hold the name leaves the
 * certificate waiting for validation that never comes (the deploy would hang for hours).
 */
public final class DomainZone {
    public static final String ZONE = "HostedZoneId";
    public static final String DOMAIN = "DomainName";

    private DomainZone() {
    }

    /** Whether this deploy sets the zone or the name anew (a stack that has both already was checked then). */
    public static boolean needsCheck(Map<String, String> effective, Map<String, String> given, boolean creating) {
        if (effective.getOrDefault(ZONE, "").isEmpty()) {
            return false;
        }
        return creating || given.containsKey(ZONE) || given.containsKey(DOMAIN);
    }

    /** Whether the stack already made the alias at this name in this zone (its record is then its own). */
    public static boolean madeBy(Map<String, String> previous, String zoneId, String domain) {
        return zoneId.equals(previous.getOrDefault(ZONE, "")) && normal(domain).equals(normal(previous.getOrDefault(DOMAIN, "")));
    }

    public static void check(Route53Client route53, String zoneId, String domain) {
        check(route53, zoneId, domain, false);
    }

    /**
     * @param ours whether the stack already holds the alias record at the name (an update that keeps
     *     zone and name), which is then not in the way
     */
    public static void check(Route53Client route53, String zoneId, String domain, boolean ours) {
        HostedZone zone;
        try {
            zone = route53.getHostedZone(r -> r.id(zoneId)).hostedZone();
        } catch (NoSuchHostedZoneException e) {
            throw DeployerException.usage("there is no Route 53 hosted zone " + zoneId + " in this account: give the"
                    + " id of the public zone that holds " + domain + " (aws route53 list-hosted-zones-by-name)");
        } catch (SdkException e) {
            throw DeployerException.failed("cannot read Route 53 hosted zone " + zoneId + ": " + AwsErrors.explain(e));
        }
        String zoneName = zone.name().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (zone.config() != null && Boolean.TRUE.equals(zone.config().privateZone())) {
            throw DeployerException.usage("hosted zone " + zoneId + " (" + zoneName + ") is private: ACM validates the"
                    + " certificate through public DNS, so give the public zone's id");
        }
        String name = normal(domain);
        if (!name.equals(zoneName) && !name.endsWith("." + zoneName)) {
            throw DeployerException.usage("DomainName " + domain + " is not in hosted zone " + zoneId + " (" + zoneName
                    + "): give a name in that zone, or the zone that holds " + domain);
        }
        if (!ours) {
            refuseWhatIsInTheWay(route53, zoneId, name);
        }
        refuseCaaWithoutAmazon(route53, zoneId, name, zoneName);
    }

    /**
     * An A or CNAME record already at the name, made by hand when the server was reached through
     * CertificateArn and DomainName: the stack's alias record would fail on it ("already exists")
     * and the update roll back (cloudformation-coverage-roadmap issues 330 and 560).
     */
    private static void refuseWhatIsInTheWay(Route53Client route53, String zoneId, String name) {
        for (ResourceRecordSet record : recordsAt(route53, zoneId, name)) {
            String type = record.typeAsString();
            if (!type.equals("A") && !type.equals("CNAME")) {
                continue;
            }
            String target = record.aliasTarget() != null ? "alias to " + record.aliasTarget().dnsName()
                    : record.resourceRecords().stream().map(ResourceRecord::value).collect(Collectors.joining(", "));
            throw DeployerException.failed(name + " already has a" + (type.equals("A") ? "n A" : " CNAME") + " record in"
                    + " hosted zone " + zoneId + " (" + target + "): the stack's alias record would fail on it and the"
                    + " deploy roll back. Nothing was changed. Delete that record first (the console, or aws route53"
                    + " change-resource-record-sets with a DELETE of exactly that record), then deploy at once;"
                    + " or choose another DomainName.");
        }
    }

    /**
     * CAA records at the name, or else at the nearest name above it in the zone, decide who may
     * issue its certificate; ACM issues only when one of them names Amazon (ACM user guide, "Optional:
     * Configure a CAA record": amazon.com, amazontrust.com, awstrust.com or amazonaws.com).
     */
    private static void refuseCaaWithoutAmazon(Route53Client route53, String zoneId, String name, String zoneName) {
        for (String at = name; ; at = at.substring(at.indexOf('.') + 1)) {
            String here = at;
            List<String> issuers = new ArrayList<>();
            for (ResourceRecordSet record : recordsAt(route53, zoneId, here)) {
                if (record.typeAsString().equals("CAA")) {
                    for (ResourceRecord value : record.resourceRecords()) {
                        Matcher issue = CAA_ISSUE.matcher(value.value());
                        if (issue.matches()) {
                            issuers.add(issue.group(1).toLowerCase(Locale.ROOT));
                        }
                    }
                    // No issue property at all restricts nothing (RFC 8659, section 4.2); ";" alone lets nobody.
                    if (!issuers.isEmpty() && issuers.stream().noneMatch(AMAZON_ISSUERS::contains)) {
                        List<String> named = issuers.stream().filter(issuer -> !issuer.isBlank()).toList();
                        throw DeployerException.failed("the CAA records at " + here + " let " + (named.isEmpty()
                                ? "no one" : "only " + String.join(", ", named)) + " issue certificates for " + name + ": ACM"
                                + " would never issue the stack's, and the deploy would wait for hours. Nothing was"
                                + " changed. Add a CAA record 0 issue \"amazon.com\" at " + here + ", or give CertificateArn"
                                + " instead of HostedZoneId.");
                    }
                    return;
                }
            }
            if (here.equals(zoneName) || !here.contains(".")) {
                return;
            }
        }
    }

    /** "0 issue "amazon.com"", any case of the tag, the issuer trimmed (RFC 8659 section 4.2). */
    private static final Pattern CAA_ISSUE = Pattern.compile("\\s*\\d+\\s+issue\\s+\"\\s*([^\";\\s]*).*",
            Pattern.CASE_INSENSITIVE);
    private static final Set<String> AMAZON_ISSUERS = Set.of("amazon.com", "amazontrust.com", "awstrust.com",
            "amazonaws.com");

    private static List<ResourceRecordSet> recordsAt(Route53Client route53, String zoneId, String name) {
        try {
            return route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId).startRecordName(name).maxItems("20"))
                    .resourceRecordSets().stream()
                    .filter(record -> normal(record.name()).equals(name))
                    .toList();
        } catch (SdkException e) {
            throw DeployerException.failed("cannot list the records at " + name + " in hosted zone " + zoneId + ": "
                    + AwsErrors.explain(e));
        }
    }

    /** Lower case, no final dot; Route 53 writes "*" as \\052 and other bytes octal-escaped. */
    private static String normal(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("\\.$", "").replace("\\052", "*");
    }
}

package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NAT instance's forwarding script, exactly as the template's user data carries it, run for
 * real: three network namespaces stand for a private subnet, the NAT instance and the internet.
 * Before the script a private host cannot reach the internet host; after it, it can, and the
 * internet host sees the NAT's address as the source (masquerade). Needs root (as CI runs),
 * iproute2 and nftables (.ci/run installs them).
 */
class NatInstanceScriptTest {
    private final String tag = UUID.randomUUID().toString().substring(0, 6);
    private final String privateNs = "dmlp" + tag;
    private final String natNs = "dmln" + tag;
    private final String internetNs = "dmli" + tag;
    private Process server;

    @TempDir
    Path dir;

    static String forwardingScript() {
        String userData = userDataSub().path(0).asText();
        assertThat(userData).as("the user data is a script, given to Fn::Sub").startsWith("#!/bin/bash");
        int start = userData.indexOf("<<'SCRIPT'\n") + "<<'SCRIPT'\n".length();
        int end = userData.indexOf("\nSCRIPT\n", start);
        return userData.substring(start, end + 1);
    }

    /** The instance's script: in its launch template, as Fn::Sub's text and values. */
    static com.fasterxml.jackson.databind.JsonNode userDataSub() {
        return Templates.resource("NetworkNatInstanceLaunchTemplate").path("Properties").path("LaunchTemplateData")
                .path("UserData").path("Fn::Base64").path("Fn::Sub");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (server != null) {
            server.destroyForcibly().waitFor();
        }
        for (String ns : List.of(privateNs, natNs, internetNs)) {
            run(false, "ip", "netns", "del", ns);
        }
    }

    @Test
    void thePrivateSubnetReachesTheInternetThroughTheInstanceAndShowsItsAddress() throws Exception {
        assertThat(run(false, "id", "-u").trim()).as("network namespaces need root, as CI runs").isEqualTo("0");
        for (String ns : List.of(privateNs, natNs, internetNs)) {
            run(true, "ip", "netns", "add", ns);
            run(true, "ip", "-n", ns, "link", "set", "lo", "up");
        }
        link(privateNs, "10.9.0.2/24", natNs, "10.9.0.1/24", "p" + tag);
        link(natNs, "192.0.2.2/24", internetNs, "192.0.2.1/24", "u" + tag);
        run(true, "ip", "-n", privateNs, "route", "add", "default", "via", "10.9.0.1");
        run(true, "ip", "-n", natNs, "route", "add", "default", "via", "192.0.2.1");

        Path serverScript = Files.writeString(dir.resolve("whoami.py"), String.join("\n",
                "import http.server",
                "class Handler(http.server.BaseHTTPRequestHandler):",
                "    def do_GET(self):",
                "        body = self.client_address[0].encode()",
                "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()",
                "        self.wfile.write(body)",
                "http.server.HTTPServer(('192.0.2.1', 8080), Handler).serve_forever()", ""));
        server = new ProcessBuilder("ip", "netns", "exec", internetNs, "python3", serverScript.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        Path client = Files.writeString(dir.resolve("client.py"), String.join("\n",
                "import sys, time, urllib.request",
                "for attempt in range(int(sys.argv[1])):",
                "    try:",
                "        print(urllib.request.urlopen('http://192.0.2.1:8080/', timeout=1).read().decode()); break",
                "    except Exception as e:",
                "        error = e; time.sleep(0.2)",
                "else:",
                "    print('unreachable: %s' % error)", ""));

        // The internet host is up: the NAT reaches it directly.
        assertThat(run(false, "ip", "netns", "exec", natNs, "python3", client.toString(), "20").trim()).isEqualTo("192.0.2.2");
        assertThat(run(false, "ip", "netns", "exec", privateNs, "python3", client.toString(), "2"))
                .as("before the script: no forwarding, no way back").startsWith("unreachable");

        Path script = Files.writeString(dir.resolve("dmlflow-nat"), forwardingScript());
        String output = run(true, "ip", "netns", "exec", natNs, "bash", script.toString());
        assertThat(output).contains("masquerading out of u" + tag + "n");
        assertThat(run(false, "ip", "netns", "exec", privateNs, "python3", client.toString(), "5").trim())
                .as("the internet sees the NAT's address").isEqualTo("192.0.2.2");
        // At every boot it runs again: a second run leaves one rule set, not two.
        run(true, "ip", "netns", "exec", natNs, "bash", script.toString());
        assertThat(run(true, "ip", "netns", "exec", natNs, "nft", "list", "ruleset").split("masquerade", -1)).hasSize(2);
    }

    /**
     * The instance tells CloudFormation it forwards before anything is routed its way: a creation
     * policy holds its address (and so the private routes) until the user data's cfn-signal, which
     * names this stack, region and resource, and which comes after the checks of forwarding.
     */
    /**
     * cloud-init runs user data once per instance (EC2 User Guide, "Work with instance user data"):
     * a new script on the instance would stop and start it and never run. Here the script is in the
     * launch template, whose data makes a new version when it changes (LaunchTemplateData is not
     * create-only; LatestVersionNumber is read-only, so it follows); the instance names that version
     * in LaunchTemplate, which is create-only: CloudFormation makes a new instance, which runs the new
     * script and signals (its creation policy) before the address and the routes that reference it
     * move; the old one goes at cleanup. What ./deploy.sh announces for it: PlanTest.
     */
    @Test
    void aNewScriptMakesANewInstanceThatRunsItAndSignalsBeforeTheTrafficMoves() {
        var instance = Templates.resource("NetworkNatInstanceInstance").path("Properties");
        assertThat(instance.has("UserData")).as("no script on the instance itself").isFalse();
        assertThat(userDataSub().path(0).asText()).startsWith("#!/bin/bash");
        assertThat(instance.path("LaunchTemplate").path("Version").path("Fn::GetAtt").toString())
                .isEqualTo("[\"NetworkNatInstanceLaunchTemplate\",\"LatestVersionNumber\"]");
        var instanceSchema = Templates.registrySchema("AWS::EC2::Instance");
        assertThat(instanceSchema.path("createOnlyProperties").toString()).contains("\"/properties/LaunchTemplate\"");
        var templateSchema = Templates.registrySchema("AWS::EC2::LaunchTemplate");
        assertThat(templateSchema.path("createOnlyProperties").toString()).doesNotContain("LaunchTemplateData");
        assertThat(templateSchema.path("readOnlyProperties").toString()).contains("/properties/LatestVersionNumber");
        assertThat(Templates.resource("NetworkNatInstanceInstance").path("CreationPolicy").path("ResourceSignal")
                .path("Count").asInt()).isEqualTo(1);
    }

    @Test
    void theInstanceSignalsOnlyOnceItForwardsAndTheRoutesWaitForIt() {
        var instance = Templates.resource("NetworkNatInstanceInstance");
        assertThat(instance.path("CreationPolicy").path("ResourceSignal").path("Count").asInt()).isEqualTo(1);
        assertThat(instance.path("CreationPolicy").path("ResourceSignal").path("Timeout").asText()).isEqualTo("PT15M");
        assertThat(instance.path("DependsOn").toString()).as("it installs and signals through the public subnet's route")
                .contains("NetworkVpcPublicSubnet1DefaultRoute");
        var sub = userDataSub();
        String userData = sub.path(0).asText();
        assertThat(java.util.regex.Pattern.compile("\\$\\{([^}]*)}").matcher(userData).results().map(m -> m.group(1)).toList())
                .as("Fn::Sub fills in exactly these").containsExactly("AWS::StackName", "NatResource", "AWS::Region");
        assertThat(sub.path(1).path("NatResource").asText()).isEqualTo("NetworkNatInstanceInstance");
        assertThat(userData.indexOf("--exit-code \"$status\"")).as("the signal comes after the forwarding checks")
                .isGreaterThan(userData.indexOf("nft list table ip dmlflow_nat"));
        assertThat(Templates.resource("NetworkNatInstanceAddress").path("Properties").path("InstanceId").path("Ref").asText())
                .isEqualTo("NetworkNatInstanceInstance");
    }

    private void link(String left, String leftAddress, String right, String rightAddress, String name) throws Exception {
        run(true, "ip", "link", "add", name + "a", "type", "veth", "peer", "name", name + "n");
        // The NAT side's interface is named ...n, the other ...a.
        String natSide = name + "n";
        String otherSide = name + "a";
        String natNamespace = left.equals(natNs) ? left : right;
        String otherNamespace = left.equals(natNs) ? right : left;
        String natAddress = left.equals(natNs) ? leftAddress : rightAddress;
        String otherAddress = left.equals(natNs) ? rightAddress : leftAddress;
        run(true, "ip", "link", "set", natSide, "netns", natNamespace);
        run(true, "ip", "link", "set", otherSide, "netns", otherNamespace);
        run(true, "ip", "-n", natNamespace, "addr", "add", natAddress, "dev", natSide);
        run(true, "ip", "-n", otherNamespace, "addr", "add", otherAddress, "dev", otherSide);
        run(true, "ip", "-n", natNamespace, "link", "set", natSide, "up");
        run(true, "ip", "-n", otherNamespace, "link", "set", otherSide, "up");
    }

    private static String run(boolean mustSucceed, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        if (mustSucceed && process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", new ArrayList<>(List.of(command))) + " failed (" + process.exitValue()
                    + "): " + output);
        }
        return output;
    }
}

package dmlflow.deployer.stack;

import dmlflow.deployer.Main;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Which dmlflow this is: the build's version, and the checkout's {@code git describe} that
 * deploy.sh passes in DMLFLOW_GIT_DESCRIBE ("0.1.0+e68169c", "0.1.0+e68169c-dirty", or the tag
 * itself when the checkout sits on one). The stack carries it as the DeployerVersion parameter
 * (its DmlflowVersion output) and the dmlflow:version tag.
 */
public final class Version implements CommandLine.IVersionProvider {
    public static final String TAG = "dmlflow:version";
    public static final String PARAMETER = "DeployerVersion";
    public static final String OUTPUT = "DmlflowVersion";
    /** What the template's DeployerVersion takes, and a tag value may hold. */
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
    private static final Pattern RELEASE_TAG = Pattern.compile("v?(\\d+\\.\\d+\\.\\d+.*)");

    @Override
    public String[] getVersion() {
        return new String[] {"dmlflow " + current()};
    }

    public static String current() {
        return of(Main.class.getPackage().getImplementationVersion(), System.getenv("DMLFLOW_GIT_DESCRIBE"));
    }

    public static String of(String build, String describe) {
        String base = build == null ? "0.1.0" : build.replace("-SNAPSHOT", "");
        String version = base;
        if (describe != null && !describe.isBlank()) {
            var release = RELEASE_TAG.matcher(describe.strip());
            version = release.matches() ? release.group(1) : base + "+" + describe.strip();
        }
        version = version.replaceAll("[^A-Za-z0-9._+-]", "-");
        return ALLOWED.matcher(version).matches() ? version : base;
    }

    /** The parameter, for a template that has it (an older one does not). */
    public static void addTo(StackTemplate template, Map<String, String> given) {
        if (template.parameters().containsKey(PARAMETER)) {
            given.put(PARAMETER, current());
        }
    }
}

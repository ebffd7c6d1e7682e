package dmlflow.template;

import dmlflow.template.delivery.BootstrapStack;
import dmlflow.template.delivery.PipelineStack;
import dmlflow.template.docs.ArchitectureDiagram;
import dmlflow.template.docs.ParameterTable;
import dmlflow.template.docs.TemplateYaml;
import dmlflow.template.mlflow.MlflowStack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.BootstraplessSynthesizer;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;

/**
 * One synthesis of dmlflow's templates, checked by cdk-nag's AwsSolutions pack: a finding that
 * is neither fixed nor suppressed with a reason fails it.
 */
public final class Synthesis {
    public static final String MLFLOW_STACK = "mlflow";
    public static final String BOOTSTRAP_STACK = "bootstrap";
    public static final String PIPELINE_STACK = "pipeline";

    private final Map<String, JsonNode> templates;

    private Synthesis(Map<String, JsonNode> templates) {
        this.templates = templates;
    }

    /** Every template: mlflow.yaml, bootstrap.yaml, pipeline.yaml. */
    public static Synthesis run() {
        return run(
                app -> new MlflowStack(app, MLFLOW_STACK, StackProps.builder()
                        .synthesizer(new BootstraplessSynthesizer())
                        .description(MlflowStack.DESCRIPTION)
                        .build()),
                app -> new BootstrapStack(app, BOOTSTRAP_STACK, StackProps.builder()
                        .synthesizer(new BootstraplessSynthesizer())
                        .description(BootstrapStack.DESCRIPTION)
                        .build()),
                app -> new PipelineStack(app, PIPELINE_STACK, StackProps.builder()
                        .synthesizer(new BootstraplessSynthesizer())
                        .description(PipelineStack.DESCRIPTION)
                        .build()));
    }

    /** Stack size of the thread that synthesizes: see {@link #run(Function[])}. */
    private static final long SYNTH_STACK_BYTES = 512L * 1024 * 1024;

    /**
     * Synthesizes the stacks the factories add to a fresh app; a stack's name is its template's name.
     *
     * <p>On a thread of its own with a large stack: cdk-nag's checks call back from jsii's Node
     * process into Java and back again, one nesting per construct visited, and on the default 1 MB
     * thread stack the synthesis of this template sometimes ended in a StackOverflowError.
     */
    @SafeVarargs
    static Synthesis run(Function<App, Stack>... stackFactories) {
        java.util.concurrent.atomic.AtomicReference<Synthesis> result = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.set(synthesize(stackFactories));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "cdk-synth", SYNTH_STACK_BYTES);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while synthesizing", e);
        }
        if (failure.get() instanceof RuntimeException e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
        return result.get();
    }

    private static Synthesis synthesize(Function<App, Stack>[] stackFactories) {
        Path outdir = temporaryDirectory();
        try {
            App app = new App(AppProps.builder()
                    .outdir(outdir.toString())
                    .analyticsReporting(false)
                    .context(FeatureFlags.context())
                    .build());
            List<Stack> stacks = new java.util.ArrayList<>();
            for (Function<App, Stack> factory : stackFactories) {
                stacks.add(factory.apply(app));
            }
            Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
            CloudAssembly assembly = app.synth();
            ObjectMapper json = new ObjectMapper();
            Map<String, JsonNode> templates = new TreeMap<>();
            for (Stack stack : stacks) {
                CloudFormationStackArtifact artifact = assembly.getStackByName(stack.getStackName());
                failOnErrors(artifact);
                templates.put(stack.getStackName(), json.readTree(outdir.resolve(artifact.getTemplateFile()).toFile()));
            }
            return new Synthesis(templates);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the synthesized template", e);
        } finally {
            deleteRecursively(outdir);
        }
    }

    private static void failOnErrors(CloudFormationStackArtifact artifact) {
        List<String> errors = artifact.getMessages().stream()
                .filter(m -> m.getLevel() == software.amazon.awscdk.cxapi.SynthesisMessageLevel.ERROR)
                .map(m -> m.getId() + ": " + m.getEntry().getData())
                .sorted()
                .toList();
        if (!errors.isEmpty()) {
            throw new IllegalStateException("synthesis found " + errors.size() + " error(s):\n  "
                    + String.join("\n  ", errors));
        }
    }

    /** The synthesized template of a stack, as CloudFormation JSON. */
    public JsonNode template(String stack) {
        JsonNode template = templates.get(stack);
        if (template == null) {
            throw new IllegalArgumentException("no stack " + stack + "; there are " + templates.keySet());
        }
        return template;
    }

    public void writeTo(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (Map.Entry<String, JsonNode> entry : templates.entrySet()) {
            Files.writeString(directory.resolve(entry.getKey() + ".yaml"), TemplateYaml.write(entry.getValue()));
        }
    }

    /** README.md with its parameter table rewritten from the mlflow template. */
    public String readme(String current) {
        return ParameterTable.update(current, template(MLFLOW_STACK));
    }

    /** img/architecture.svg, drawn from the mlflow template. */
    public String architecture() {
        return ArchitectureDiagram.render(template(MLFLOW_STACK));
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("dmlflow-synth");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory to synthesize into", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up " + directory, e);
        }
    }
}

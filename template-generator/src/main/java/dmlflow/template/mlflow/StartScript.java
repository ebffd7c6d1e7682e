package dmlflow.template.mlflow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container's start script, kept as a real file so that tests run it under /bin/sh, with the
 * Python programs it runs kept as real files beside it ({@code container/*.py}): each
 * {@code # dmlflow:embed NAME.py} line, the body of a {@code <<'PY'} heredoc, becomes that file's
 * text, so the task definition still carries one self-contained command.
 */
final class StartScript {
    static final String RESOURCE = "/dmlflow/template/mlflow/start-mlflow.sh";
    static final String PROGRAMS = "/dmlflow/template/mlflow/container/";
    /** The Python programs the start script embeds, in the order it runs them. */
    static final List<String> PROGRAM_NAMES = List.of("schema_states.py", "prepare_user_store.py",
            "purge_experiment_models.py", "dmlflow_auth.py", "dmlflow_signin.py");
    private static final Pattern EMBED = Pattern.compile("(?m)^# dmlflow:embed ([a-z_]+\\.py)\n");
    private static final String HEREDOC_END = "PY";

    private StartScript() {
    }

    static String text() {
        String script = read(RESOURCE);
        Matcher embed = EMBED.matcher(script);
        StringBuilder text = new StringBuilder();
        while (embed.find()) {
            String program = program(embed.group(1));
            embed.appendReplacement(text, Matcher.quoteReplacement(program));
        }
        embed.appendTail(text);
        return text.toString();
    }

    /** One of the embedded programs, as the start script carries it. */
    static String program(String name) {
        if (!PROGRAM_NAMES.contains(name)) {
            throw new IllegalStateException("the start script embeds an unlisted program: " + name);
        }
        String program = read(PROGRAMS + name);
        if (!program.endsWith("\n") || program.lines().anyMatch(HEREDOC_END::equals)) {
            throw new IllegalStateException(name + " must end with a line break and hold no line '" + HEREDOC_END
                    + "', which would end its heredoc in the start script");
        }
        return carried(name, program);
    }

    private static final Pattern MODULE_DOCSTRING = Pattern.compile("\"\"\"[\\s\\S]*?\"\"\"\n");

    /**
     * The program as the task definition carries it: its docstrings (the module's, and those right
     * under a def or class line), whole-line comments and blank lines stay in the repository
     * (container/NAME, which a first line names), and indentation is halved, so that the task
     * definition keeps well under ECS's size limit (StartScriptTest). The code is the same.
     */
    static String carried(String name, String source) {
        Matcher docstring = MODULE_DOCSTRING.matcher(source);
        String body = docstring.lookingAt() ? source.substring(docstring.end()) : source;
        StringBuilder carried = new StringBuilder("# container/" + name + " in dmlflow's repository, with its comments and indentation\n");
        boolean inString = false;
        boolean inDocstring = false;
        String previous = "";
        for (String line : body.lines().toList()) {
            String code = line.strip();
            if (inDocstring) {
                inDocstring = !code.endsWith("\"\"\"");
                continue;
            }
            if (!inString && previous.endsWith(":") && code.startsWith("\"\"\"")) {
                // A body may be its docstring alone (an exception class): a pass keeps it a body.
                carried.append(" ".repeat(line.indexOf('"') / 2)).append("pass\n");
                inDocstring = code.length() < 6 || !code.endsWith("\"\"\"");
                continue;
            }
            if (!inString && (code.startsWith("#") || code.isEmpty())) {
                continue;
            }
            if (inString) {
                carried.append(line).append('\n');
            } else {
                // Half the indentation: each block stays consistently indented, and Python ignores the
                // indentation of a line that continues a bracket.
                int indent = line.length() - line.stripLeading().length();
                carried.append(" ".repeat(indent / 2)).append(line, indent, line.length()).append('\n');
            }
            previous = code;
            int quotes = line.split("\"\"\"", -1).length - 1 + line.split("\'\'\'", -1).length - 1;
            inString ^= quotes % 2 == 1;
        }
        return carried.toString();
    }

    /** A script kept beside the template's classes (the start script, the NAT instance's user data). */
    static String read(String resource) {
        try (InputStream in = StartScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script missing from the classpath: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the script " + resource, e);
        }
    }
}

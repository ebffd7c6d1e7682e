package dmlflow.template.docs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;

/**
 * CloudFormation JSON as YAML that reads back to the same JSON: every string quoted (so
 * "2012-10-17" and "true" stay strings), multi-line strings such as the start script as
 * literal blocks.
 */
public final class TemplateYaml {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());

    private TemplateYaml() {
    }

    public static String write(JsonNode template) {
        try {
            return YAML.writeValueAsString(template);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write the template as YAML", e);
        }
    }

    public static JsonNode read(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not a YAML template", e);
        }
    }
}

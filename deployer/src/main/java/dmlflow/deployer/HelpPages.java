package dmlflow.deployer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;

/**
 * Every command's --help as text committed in deployer/help/ (NAME.txt, users-add.txt for a
 * subcommand's), so that deploy.sh and remove.sh answer --help at once, before the first build.
 * HelpPagesTest keeps the files equal to what the CLI prints; scripts/update-help.sh rewrites them.
 */
public final class HelpPages {
    private HelpPages() {
    }

    /** Page name to text: "dmlflow" for the top, then each command and subcommand. */
    public static Map<String, String> pages() {
        Map<String, String> pages = new TreeMap<>();
        CommandLine cli = Main.asTyped(new CommandLine(new Main()));
        pages.put("dmlflow", cli.getUsageMessage(CommandLine.Help.Ansi.OFF));
        cli.getSubcommands().forEach((name, command) -> {
            pages.put(name, command.getUsageMessage(CommandLine.Help.Ansi.OFF));
            command.getSubcommands().forEach((subName, sub) ->
                    pages.put(name + "-" + subName, sub.getUsageMessage(CommandLine.Help.Ansi.OFF)));
        });
        return pages;
    }

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args.length > 0 ? args[0] : "deployer/help");
        Files.createDirectories(directory);
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Files.writeString(directory.resolve(page.getKey() + ".txt"), page.getValue(), StandardCharsets.UTF_8);
        }
    }
}

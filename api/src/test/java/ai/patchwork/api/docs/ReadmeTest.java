package ai.patchwork.api.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README is a short user's guide whose commands run as written: every {@code ./patchwork} command in a code
 * block of {@code README.md} or {@code docs/*.md} is one the launcher lists in {@code ./patchwork help}, with options
 * the usage names.
 */
class ReadmeTest {
    private static final Pattern FENCE = Pattern.compile("```(?:bash|sh|shell)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern USAGE_COMMAND = Pattern.compile("^  ([a-z]+)(?: ([a-z]+))?\\b", Pattern.MULTILINE);
    private static final Pattern OPTION = Pattern.compile("--[A-Za-z0-9.<>_-]+");

    @Test
    void theReadmeIsAShortGuide() throws IOException {
        List<String> lines = Files.readAllLines(Docs.root().resolve("README.md"));
        assertTrue(lines.size() <= 150, "README.md has " + lines.size() + " lines; move detail into docs/");
        String text = String.join("\n", lines);
        for (String section : List.of("## Quick start", "## The web UI", "## The API in five examples")) {
            assertTrue(text.contains(section), "README.md lacks " + section);
        }
    }

    @Test
    void everyLauncherCommandInTheDocsIsOneTheLauncherOffers() throws Exception {
        String usage = help();
        List<String> commands = new ArrayList<>();
        Matcher u = USAGE_COMMAND.matcher(usage.substring(usage.indexOf('\n') + 1));
        while (u.find()) commands.add(u.group(2) == null ? u.group(1) : u.group(1) + " " + u.group(2));
        assertTrue(commands.containsAll(List.of("up", "test")), "usage lists up and test: " + commands);
        List<Pattern> options = new ArrayList<>();
        Matcher o = OPTION.matcher(usage);
        while (o.find())
            options.add(Pattern.compile(Pattern.quote(o.group()).replaceAll("<[^>]+>", "\\\\E[^.=\\\\s]+\\\\Q")));

        List<String> quickStart = quickStart(Docs.root().resolve("README.md"));
        assertTrue(
                quickStart.contains("./patchwork up") && quickStart.contains("./patchwork test"),
                "the README's quick start gives ./patchwork up and ./patchwork test: " + quickStart);
        List<Path> pages = new ArrayList<>(List.of(Docs.root().resolve("README.md")));
        try (Stream<Path> docs = Files.list(Docs.root().resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int checked = 0;
        for (Path page : pages) {
            for (String line : quickStart(page)) {
                String[] words = line.substring("./patchwork ".length()).split("\\s+");
                String command = words[0];
                String two = words.length > 1 && !words[1].startsWith("-") ? command + " " + words[1] : command;
                assertTrue(
                        commands.contains(command) || commands.contains(two),
                        page.getFileName() + ": '" + line + "' is not a command of ./patchwork help: " + commands);
                Matcher given = OPTION.matcher(line);
                while (given.find()) {
                    String option = given.group();
                    if (command.equals("generate") || command.equals("merge") || command.equals("bench")) continue;
                    assertTrue(
                            options.stream().anyMatch(p -> p.matcher(option).matches()),
                            page.getFileName() + ": option " + option + " of '" + line
                                    + "' is not in ./patchwork help");
                }
                checked++;
            }
        }
        assertTrue(checked >= 4, "checked " + checked + " commands");
    }

    /** The {@code ./patchwork ...} lines of the shell code blocks of a page, comments and continuations dropped. */
    static List<String> quickStart(Path page) throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = FENCE.matcher(Files.readString(page));
        while (m.find()) {
            for (String raw : m.group(1).split("\n")) {
                String line = raw.replaceAll("\\s+#.*$", "").replace("\\", "").strip();
                if (line.startsWith("./patchwork")) out.add(line);
            }
        }
        return out;
    }

    /** Runs {@code ./patchwork help} with this JVM's JDK. */
    static String help() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "patchwork", "help")
                .directory(Docs.root().toFile())
                .redirectErrorStream(true);
        pb.environment()
                .put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./patchwork help did not finish");
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.isBlank());
        return out;
    }
}

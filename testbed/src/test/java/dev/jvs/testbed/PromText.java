package dev.jvs.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus text exposition (0.0.4) checked: by {@code promtool check metrics} where it is installed
 * (Debian's prometheus package), and always by a strict reading of our own: every sample of a family declared
 * by HELP and TYPE before it, well-formed names, labels and values, no series twice.
 */
final class PromText
{
    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*\\})? " +
        "(-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");

    private PromText()
    {
    }

    static void check(final String text) throws Exception
    {
        final Set<String> declared = new HashSet<>();
        final Set<String> series = new HashSet<>();
        for (final String line : text.lines().toList())
        {
            if (line.startsWith("# TYPE "))
            {
                assertTrue(declared.add(line.split(" ")[2]), "a family declared twice: " + line);
                continue;
            }
            if (line.startsWith("#"))
            {
                continue;
            }
            assertTrue(SAMPLE.matcher(line).matches(), "not a sample: " + line);
            final String name = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
            final String family = name.replaceAll("_(sum|count|bucket)$", "");
            assertTrue(declared.contains(name) || declared.contains(family), "no TYPE before " + line);
            assertTrue(series.add(line.substring(0, line.lastIndexOf(' '))), "a series twice: " + line);
        }
        final Path promtool = Path.of("/usr/bin/promtool");
        if (Files.isExecutable(promtool))
        {
            final Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .start();
            p.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            final String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "promtool check metrics: " + out);
        }
    }

    /**
     * Every family, drop reason and frame outcome in a scrape is in docs/metrics.md; every metric the Grafana
     * dashboard queries is documented, and its queries are PromQL promtool accepts.
     */
    static void documented(final String text) throws Exception
    {
        final String doc = Files.readString(Path.of("../docs/metrics.md"));
        for (final String f : families(text))
        {
            assertTrue(doc.contains("`" + f + "`"), f + " is not in docs/metrics.md");
        }
        final java.util.regex.Matcher v = Pattern.compile("(?:reason|what)=\"([a-z_0-9]+)\"").matcher(text);
        while (v.find())
        {
            assertTrue(doc.contains("`" + v.group(1) + "`"), v.group(1) + " is not in docs/metrics.md");
        }
        final String dash = Files.readString(Path.of("../docs/grafana/jvs.json"));
        final java.util.regex.Matcher e = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"").matcher(dash);
        final StringBuilder rules = new StringBuilder("groups:\n- name: dashboard\n  rules:\n");
        int n = 0;
        while (e.find())
        {
            final String expr = e.group(1).replace("\\\"", "\"").replace("$instance", ".*");
            final java.util.regex.Matcher m = Pattern.compile("\\b((?:jvs|node)_[a-z_]+)").matcher(expr);
            while (m.find())
            {
                assertTrue(doc.contains("`" + m.group(1) + "`"), "the dashboard queries " + m.group(1));
            }
            rules.append("  - record: dashboard:q").append(n++).append("\n    expr: '").append(expr.replace("'", "''"))
                .append("'\n");
        }
        assertTrue(n >= 10, "the dashboard's queries: " + n);
        final Path promtool = Path.of("/usr/bin/promtool");
        if (Files.isExecutable(promtool))
        {
            final Path f = Files.createTempFile("jvs-dashboard", ".yml");
            try
            {
                Files.writeString(f, rules);
                final Process p = new ProcessBuilder(promtool.toString(), "check", "rules", f.toString())
                    .redirectErrorStream(true).start();
                final String out = new String(p.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), "promtool check rules on the dashboard's queries: " + out + rules);
            }
            finally
            {
                Files.deleteIfExists(f);
            }
        }
    }

    static List<String> families(final String text)
    {
        return text.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
    }
}

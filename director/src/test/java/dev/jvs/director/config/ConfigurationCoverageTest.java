package dev.jvs.director.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/configuration.md, made by experiment: every keyword keepalived 2.2.7's parsers install (extracted from its
 * sources into keepalived-keywords.tsv by extract-keywords.py) is put in a minimal valid block of its own and read
 * by jvs's parser; what jvs says about it (nothing, "not acted on", "unknown keyword", an error about its
 * argument) is its row. The document is compared with what the parser says today, so it cannot go stale:
 * {@code -Djvs.writeDocs=true} rewrites it.
 */
class ConfigurationCoverageTest
{
    private static final Path DOC = Path.of("../docs/configuration.md");
    /** The top-level blocks some parser of jvs reads; the others it accepts are passed over. */
    private static final java.util.Set<String> TOP_READ = java.util.Set.of("global_defs", "vrrp_instance",
        "vrrp_script", "track_file", "vrrp_track_file", "vrrp_track_process", "vrrp_sync_group", "virtual_server",
        "virtual_server_group", "SSL", "static_ipaddress", "static_routes", "static_rules");
    private static final String INSTANCE = "vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n" +
        " virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  198.18.0.80\n }\n%s}\n";
    private static final String VS = "virtual_server 198.18.0.80 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n" +
        "%s real_server 198.18.1.1 80 {\n  weight 1\n%s }\n}\n";

    /** A minimal valid configuration with the keyword's line in the block, and what the block is called. */
    private static String config(final String block, final String line)
    {
        final String in = " " + line + "\n";
        return switch (block)
        {
            case "(top)" -> line + "\n";
            case "global_defs" -> "global_defs {\n" + in + "}\n";
            case "vrrp_instance" -> String.format(Locale.ROOT, INSTANCE, in);
            case "vrrp_instance/authentication" -> String.format(Locale.ROOT, INSTANCE,
                " authentication {\n" + in + " }\n");
            case "vrrp_sync_group" -> "vrrp_sync_group G {\n group {\n  VI_1\n }\n" + in + "}\n" +
                String.format(Locale.ROOT, INSTANCE, "");
            case "vrrp_script" -> "vrrp_script S {\n script \"/bin/true\"\n" + in + "}\n";
            case "vrrp_track_process" -> "vrrp_track_process P {\n process sshd\n" + in + "}\n";
            case "track_file", "vrrp_track_file" -> block + " F {\n file /tmp/jvs-coverage\n" + in + "}\n";
            case "virtual_server" -> String.format(Locale.ROOT, VS, in, "");
            case "virtual_server/real_server" -> String.format(Locale.ROOT, VS, "", " " + in);
            case "SSL" -> "SSL {\n" + in + "}\n";
            default -> checker(block, in);
        };
    }

    private static String checker(final String block, final String in)
    {
        final String[] p = block.split("/");
        if (p.length < 3 || !"real_server".equals(p[1]))
        {
            return block + " {\n" + in + "}\n";
        }
        final String check = p[2];
        final String base = "MISC_CHECK".equals(check) ? "  misc_path \"/bin/true\"\n" :
            "FILE_CHECK".equals(check) ? "  file /tmp/jvs-coverage\n" : "";
        if (p.length == 4)
        {
            final String inner = "url".equals(p[3]) ? "    path /\n" : "";
            return String.format(Locale.ROOT, VS, "", "  " + check + " {\n   " + p[3] + " {\n" + inner + in +
                "   }\n  }\n");
        }
        return String.format(Locale.ROOT, VS, "", "  " + check + " {\n" + base + in + "  }\n");
    }

    private static String verdict(final String block, final String kw)
    {
        final KeepalivedConfig c;
        try
        {
            c = KeepalivedConfig.parse(Path.of("keepalived.conf"), config(block, kw));
        }
        catch (final ConfigException ex)
        {
            // Unknown keywords never stop a parse: this one was read, and wants an argument.
            return "acted on";
        }
        final String quoted = "'" + kw + "'";
        for (final String w : c.warnings)
        {
            if (w.contains("unknown keyword " + quoted))
            {
                return "**not supported**: warned as unknown and ignored";
            }
            if (w.contains(quoted + " is") || w.contains(": " + kw + " is not"))
            {
                return "read, **not acted on** (warned)";
            }
        }
        if ("(top)".equals(block) && !TOP_READ.contains(kw) || "global_defs".equals(block) &&
            GlobalDefsReader.GLOBAL_ACCEPTED.contains(kw) &&
            !GlobalDefsReader.GLOBAL_NOT_ACTED.contains(kw) || "virtual_server".equals(block) &&
            VirtualServerReader.VIRTUAL_SERVER.ignored().contains(kw))
        {
            return "accepted, no effect here (a part of keepalived jvs replaces or does not have)";
        }
        return "acted on";
    }

    private static Map<String, List<String[]>> keywords() throws IOException
    {
        final Map<String, List<String[]>> byBlock = new LinkedHashMap<>();
        try (InputStream in = ConfigurationCoverageTest.class.getResourceAsStream("keepalived-keywords.tsv"))
        {
            for (final String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList())
            {
                if (!line.startsWith("#") && !line.isBlank())
                {
                    final String[] f = line.split("\t");
                    // Inside a block jvs does not know, nothing is read: the block's verdict is its keywords'.
                    final int slash = f[0].lastIndexOf('/');
                    final String parent = slash < 0 ? null : byBlock.getOrDefault(f[0].substring(0, slash), List.of())
                        .stream().filter(k -> k[0].equals(f[0].substring(slash + 1))).map(k -> k[1]).findFirst()
                        .orElse(null);
                    final String v = null != parent && parent.startsWith("**not supported**") ?
                        "**not supported**: inside a block jvs skips" : null != parent &&
                        parent.startsWith("accepted, no effect") ? "accepted, no effect here (inside a block jvs " +
                        "passes over)" : verdict(f[0], f[1]);
                    byBlock.computeIfAbsent(f[0], b -> new ArrayList<>()).add(new String[] {f[1], v});
                }
            }
        }
        return byBlock;
    }

    static String document() throws IOException
    {
        final Map<String, List<String[]>> byBlock = keywords();
        final StringBuilder b = new StringBuilder();
        b.append("# Configuration coverage: keepalived.conf as jvs reads it\n\n")
            .append("Every keyword keepalived 2.2.7's parsers install, by block, and what jvs does with it. Made by ")
            .append("experiment, not by hand: `ConfigurationCoverageTest` puts each keyword in a minimal valid block ")
            .append("and reads it with jvs's parser; the test fails when this page and the parser disagree ")
            .append("(`mvn -pl director test -Dtest=ConfigurationCoverageTest -Djvs.writeDocs=true` rewrites it).\n\n")
            .append("- **acted on**: jvs does what keepalived does with it (defaults, ranges and warnings included; ")
            .append("`keepalived -t` and `jvs check` are compared on sample files by KeepalivedParityTest).\n")
            .append("- **accepted, no effect here**: it tunes a part of keepalived that jvs replaces (IPVS, ")
            .append("netlink, the kernel's VRRP sockets) or does not have (SNMP, DBus, process names); silent, ")
            .append("as it changes nothing a director does.\n")
            .append("- **read, not acted on**: accepted, with a warning naming file and line, because it would change ")
            .append("behaviour and jvs does not do it.\n")
            .append("- **not supported**: a warning (`unknown keyword`), and the keyword is skipped, as keepalived ")
            .append("skips keywords it does not know; `jvs check` shows every such line.\n\n");
        long acted = 0;
        long total = 0;
        for (final Map.Entry<String, List<String[]>> e : byBlock.entrySet())
        {
            b.append("## ").append("(top)".equals(e.getKey()) ? "Top level" : "`" + e.getKey() + "`").append("\n\n")
                .append("| keyword | jvs |\n|---|---|\n");
            for (final String[] k : e.getValue())
            {
                b.append("| `").append(k[0]).append("` | ").append(k[1]).append(" |\n");
                acted += k[1].startsWith("acted") ? 1 : 0;
                total++;
            }
            b.append('\n');
        }
        b.insert(b.indexOf("- **acted on**"), String.format(Locale.ROOT, "%d of %d keywords are acted on.%n%n",
            acted, total));
        return b.toString();
    }

    @Test
    void theDocumentShouldSayWhatTheParserDoes() throws IOException
    {
        // The skeletons themselves are clean: a verdict is about the keyword alone.
        for (final String block : List.of("global_defs", "vrrp_instance", "virtual_server",
            "virtual_server/real_server", "virtual_server/real_server/TCP_CHECK",
            "virtual_server/real_server/HTTP_GET/url", "vrrp_sync_group"))
        {
            final KeepalivedConfig c = assertParses(config(block, "# nothing"));
            assertTrue(c.warnings.isEmpty(), block + ": " + c.warnings);
        }
        final String doc = document();
        if (Boolean.getBoolean("jvs.writeDocs"))
        {
            Files.writeString(DOC, doc);
        }
        assertEquals(doc, Files.readString(DOC), "docs/configuration.md is stale: rerun with -Djvs.writeDocs=true");
    }

    private static KeepalivedConfig assertParses(final String text)
    {
        try
        {
            return KeepalivedConfig.parse(Path.of("keepalived.conf"), text);
        }
        catch (final ConfigException ex)
        {
            throw new AssertionError(text + ex.getMessage(), ex);
        }
    }
}

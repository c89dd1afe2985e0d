package dev.jvs.director.config;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every sample configuration Debian's keepalived package ships (/usr/share/doc/keepalived/samples) loads,
 * but for the one thing jvs refuses on purpose: AH authentication (the IPv6 sample loads too). keepalived
 * 2.2.7's own
 * {@code --config-test} on the same files was the reference for what is a warning and what is not.
 */
class KeepalivedSamplesTest
{
    private static final Path SAMPLES = Path.of("/usr/share/doc/keepalived/samples");

    @Test
    void everyShippedSampleShouldLoadButForAh() throws Exception
    {
        Assumptions.assumeTrue(Files.isDirectory(SAMPLES), "needs Debian's keepalived package");
        final Map<String, String> failed = new TreeMap<>();
        int loaded = 0;
        try (Stream<Path> files = Files.list(SAMPLES))
        {
            for (final Path f : files.filter(p -> p.getFileName().toString().startsWith("keepalived.conf.")).sorted()
                .toList())
            {
                try
                {
                    KeepalivedConfig.load(f);
                    loaded++;
                }
                catch (final ConfigException ex)
                {
                    failed.put(f.getFileName().toString(), ex.getMessage());
                }
            }
        }
        assertEquals(java.util.Set.of("keepalived.conf.SSL_GET"), failed.keySet(), failed.toString());
        assertTrue(failed.get("keepalived.conf.SSL_GET").contains("auth_type AH is not supported"), failed.toString());
        assertTrue(loaded >= 20, "loaded " + loaded);
    }

    @Test
    void smtpCheckHostBlocksShouldEachBeChecked() throws Exception
    {
        Assumptions.assumeTrue(Files.isDirectory(SAMPLES), "needs Debian's keepalived package");
        final KeepalivedConfig c = KeepalivedConfig.load(SAMPLES.resolve("keepalived.conf.SMTP_CHECK"));
        final RealServer rs = c.virtualServers.get(0).realServers().get(1);
        assertEquals(3, rs.checks().size(), "one SMTP check per host block");
        assertEquals(java.util.List.of("172.16.1.11", "192.168.155.10", "64.233.167.99"), rs.checks().stream()
            .map(ch -> ch.connectIp().toString()).toList());
        assertTrue(rs.checks().stream().allMatch(ch -> "foo.bar.com".equals(ch.heloName()) && 2 == ch.retry()),
            "each host keeps the block's options");
    }

    @Test
    void conditionalLinesShouldFollowTheConfigId() throws Exception
    {
        final String text = "vrrp_instance VI_0 {\n  interface eth0\n  virtual_router_id 1\n@high  priority 170\n" +
            "@low  priority 85\n@^high  advert_int 2\n  virtual_ipaddress {\n    10.1.0.254/32\n  }\n}\n";
        final Path f = Path.of("cond.conf");
        assertEquals(170, KeepalivedConfig.parse(f, text, "high").vrrp.instance("VI_0").cfg().priority());
        assertEquals(100, KeepalivedConfig.parse(f, text, "high").vrrp.instance("VI_0").cfg().advertCentis());
        assertEquals(85, KeepalivedConfig.parse(f, text, "low").vrrp.instance("VI_0").cfg().priority());
        assertEquals(200, KeepalivedConfig.parse(f, text, "low").vrrp.instance("VI_0").cfg().advertCentis());
        assertEquals(100, KeepalivedConfig.parse(f, text, "other").vrrp.instance("VI_0").cfg().priority());
    }
}

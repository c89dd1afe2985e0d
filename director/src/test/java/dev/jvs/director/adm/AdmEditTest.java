package dev.jvs.director.adm;

import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.service.ServiceTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jvs adm's editing commands on a running table, read back with -S -n, -L --thresholds and --timeout. */
class AdmEditTest
{
    private final EngineConfig cfg = new EngineConfig();
    private final Forwarder fwd = new Forwarder(cfg, new ServiceTable(() -> 0), new ConnectionTable(4096, 1, 0),
        new Neighbors(), new Counters());
    private final AdmHandler adm = new AdmHandler(dev.jvs.engine.agent.Forwarders.inline(fwd), () -> null, () -> null, () -> "reloaded");

    private String run(final String line)
    {
        return adm.handle(List.of(line.split(" ")));
    }

    @Test
    void shouldAddEditAndDeleteServicesAndServersWithIpvsadmsDefaults()
    {
        run("-A -t 198.19.0.80:80");
        run("-a -t 198.19.0.80:80 -r 198.19.0.11");
        run("-a -t 198.19.0.80:80 -r 198.19.0.12:8080 -m -w 3 -x 100 -y 10");
        run("-A -u 198.19.0.80:53 -s sh -b sh-port -p 60 -M 255.255.255.0");
        run("-A -f 7 -s rr -o");
        run("-a -f 7 -r 198.19.0.13:0 -i -w 0");
        assertEquals(String.join("\n",
            "-A -t 198.19.0.80:80 -s wlc",
            "-a -t 198.19.0.80:80 -r 198.19.0.11:80 -g -w 1",
            "-a -t 198.19.0.80:80 -r 198.19.0.12:8080 -m -w 3 -x 100 -y 10",
            "-A -u 198.19.0.80:53 -s sh -p 60 -M 255.255.255.0 -b sh-port",
            "-A -f 7 -s rr -o",
            "-a -f 7 -r 198.19.0.13:0 -i -w 0", ""), run("-S -n"));
        assertEquals(String.join("\n",
            "IP Virtual Server version 1.2.1 (size=4096)",
            "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ",
            "  -> RemoteAddress:Port",
            "TCP  198.19.0.80:80 wlc",
            "  -> 198.19.0.11:80               0          0          0          0         ",
            "  -> 198.19.0.12:8080             100        10         0          0         ",
            "UDP  198.19.0.80:53 sh (sh-port) persistent 60 mask 255.255.255.0",
            "FWM  7 rr ops",
            "  -> 198.19.0.13:0                0          0          0          0         ", ""),
            run("-L -n --thresholds"));

        run("-e -t 198.19.0.80:80 -r 198.19.0.12:8080 -w 5");
        run("-E -t 198.19.0.80:80 -s rr -p");
        run("-d -t 198.19.0.80:80 -r 198.19.0.11:80");
        run("-D -u 198.19.0.80:53");
        assertEquals(String.join("\n",
            "-A -t 198.19.0.80:80 -s rr -p 300",
            "-a -t 198.19.0.80:80 -r 198.19.0.12:8080 -g -w 5",
            "-A -f 7 -s rr -o",
            "-a -f 7 -r 198.19.0.13:0 -i -w 0", ""), run("-S -n"), "an edit states the whole destination");
        run("-C");
        assertEquals("", run("-S -n"));
    }

    @Test
    void ipv6ServicesShouldBeEditedAndListedAsIpvsadmDoes()
    {
        run("-A -t [2001:2::80]:80 -s rr -p 300 -M 64");
        run("-a -t [2001:2::80]:80 -r [2001:2::11]:80");
        run("-a -t [2001:2:0:0::80]:80 -r [2001:2::12]:8080 -m -w 2");
        run("-A -f 7 -6 -s sh");
        run("-a -f 7 -6 -r 2001:2::13 -i");
        run("-A -t 198.19.0.80:80 -s rr");
        assertEquals(String.join("\n",
            "-A -t 198.19.0.80:80 -s rr",
            "-A -t [2001:2::80]:80 -s rr -p 300 -M 64",
            "-a -t [2001:2::80]:80 -r [2001:2::11]:80 -g -w 1",
            "-a -t [2001:2::80]:80 -r [2001:2::12]:8080 -m -w 2",
            "-A -f 7 -6 -s sh",
            "-a -f 7 -6 -r [2001:2::13]:0 -i -w 1", ""), run("-S -n"));
        final String list = run("-L -n");
        assertTrue(list.contains("\nTCP  [2001:2::80]:80 rr persistent 300 mask 64\n" +
            "  -> [2001:2::11]:80              Route   1      0          0         \n" +
            "  -> [2001:2::12]:8080            Masq    2      0          0         \n"), list);
        assertTrue(list.contains("\nFWM  7 IPv6 sh\n"), list);
        assertTrue(run("-L -n -t [2001:2::80]:80").contains("[2001:2::11]:80"), "one service by its name");
        assertThrows(IllegalArgumentException.class, () -> run("-a -t [2001:2::80]:80 -r 198.19.0.11:80"),
            "an IPv4 server in an IPv6 service is the kernel's EINVAL unless tunnelled");
        run("-d -t [2001:2::80]:80 -r [2001:2::11]:80");
        run("-D -f 7 -6");
        assertEquals(String.join("\n",
            "-A -t 198.19.0.80:80 -s rr",
            "-A -t [2001:2::80]:80 -s rr -p 300 -M 64",
            "-a -t [2001:2::80]:80 -r [2001:2::12]:8080 -m -w 2", ""), run("-S -n"));
    }

    @Test
    void shouldRefuseAsIpvsadmDoes()
    {
        run("-A -t 198.19.0.80:80");
        assertEquals("Service already exists", assertThrows(IllegalArgumentException.class,
            () -> run("-A -t 198.19.0.80:80")).getMessage());
        assertEquals("No such service", assertThrows(IllegalArgumentException.class,
            () -> run("-D -t 198.19.0.80:81")).getMessage());
        assertEquals("No such destination", assertThrows(IllegalArgumentException.class,
            () -> run("-d -t 198.19.0.80:80 -r 198.19.0.11:80")).getMessage());
        assertEquals("Scheduler not found: ip_vs_xyz.ko", assertThrows(IllegalArgumentException.class,
            () -> run("-E -t 198.19.0.80:80 -s xyz")).getMessage());
        assertEquals("illegal weight specified: 70000", assertThrows(IllegalArgumentException.class,
            () -> run("-a -t 198.19.0.80:80 -r 198.19.0.11 -w 70000")).getMessage());
        assertEquals("real server address not specified (-r)", assertThrows(IllegalArgumentException.class,
            () -> run("-a -t 198.19.0.80:80")).getMessage());
    }

    @Test
    void shouldRestoreSavedLinesAndStopAtTheFirstBadOne()
    {
        final String saved = "-A -t 198.19.0.80:80 -s wrr\n-a -t 198.19.0.80:80 -r 198.19.0.11:80 -m -w 2\n\n" +
            "# a comment\n-a -t 198.19.0.80:80 -r 198.19.0.12:80 -m -w 1\n";
        adm.handle(List.of("-R", saved));
        assertEquals(String.join("\n", "-A -t 198.19.0.80:80 -s wrr",
            "-a -t 198.19.0.80:80 -r 198.19.0.11:80 -m -w 2",
            "-a -t 198.19.0.80:80 -r 198.19.0.12:80 -m -w 1", ""), run("-S -n"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> adm.handle(List.of("-R", "-A -t 198.19.0.81:80\n-a -t 198.19.0.81:80 -r 1.2.3\n")));
        assertTrue(e.getMessage().startsWith("jvs adm -R: line 2: illegal address"), e.getMessage());
        assertTrue(run("-S -n").contains("-A -t 198.19.0.81:80 -s wlc"), "lines before the bad one stay");
    }

    @Test
    void shouldSetAndShowTimeouts()
    {
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300\n", run("-L --timeout"));
        run("--set 600 0 60");
        assertEquals("Timeout (tcp tcpfin udp): 600 120 60\n", run("-L --timeout"), "0 leaves a value as it is");
    }
}

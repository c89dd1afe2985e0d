package dev.jvs.director.adm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ipvsadm 1.31's command line, checked on the client side with its words and statuses. */
class IpvsadmArgsTest
{
    private static List<String> ok(final String... args) throws IpvsadmArgs.Refused
    {
        return IpvsadmArgs.parse(List.of(args)).tokens();
    }

    private static IpvsadmArgs.Refused refused(final String... args)
    {
        return assertThrows(IpvsadmArgs.Refused.class, () -> IpvsadmArgs.parse(List.of(args)));
    }

    private static void refused(final int status, final String message, final String... args)
    {
        final IpvsadmArgs.Refused r = refused(args);
        assertEquals(message, r.getMessage(), String.join(" ", args));
        assertEquals(status, r.status(), String.join(" ", args));
    }

    @Test
    void groupedShortFlagsAndLongFormsShouldBeSplitAsPoptDoes() throws Exception
    {
        assertEquals(List.of("-L", "-n"), ok("-Ln"));
        assertEquals(List.of("-L", "-n", "-c"), ok("-Lnc"));
        assertEquals(List.of("-L", "-n"), ok("-l", "--numeric"));
        assertEquals(List.of("-S", "-n"), ok("-Sn"));
        assertEquals(List.of("-L"), ok(), "no argument lists the table");
        assertEquals(List.of("-L", "-t", "198.18.0.80:80", "-n"), ok("-L", "--tcp-service=198.18.0.80:80", "-n"));
        assertEquals(List.of("-L", "-t", "198.18.0.80:80"), ok("-Lt198.18.0.80:80"));
        assertEquals(List.of("-L", "-n", "--stats", "--exact"), ok("-Ln", "--stats", "-X", "--sort"));
        assertEquals(List.of("-A", "-t", "198.18.0.80:80", "-s", "wrr", "-p"), ok("-A", "-t", "198.18.0.80:80",
            "-s", "wrr", "-p"));
        assertEquals(List.of("-A", "-t", "198.18.0.80:0", "-p", "600"), ok("-A", "-t", "198.18.0.80:0", "-p", "600"));
        assertEquals(List.of("-a", "-t", "198.18.0.80:80", "-r", "198.18.1.1", "-m", "-w", "3"),
            ok("-a", "-t", "198.18.0.80:80", "-r", "198.18.1.1", "-m", "-w", "3"));
        assertEquals(List.of("--set", "900", "120", "300"), ok("--set", "900", "120", "300"));
        assertEquals(List.of("-A", "-t", "[2001:2::80]:80", "-p", "-M", "64"), ok("-A", "-t", "[2001:2::80]:80", "-p",
            "-M", "64"), "after an IPv6 service, -M is a prefix length");
        assertEquals(List.of("-A", "-f", "7", "-6"), ok("-A", "-f", "7", "--ipv6"));
        assertEquals(List.of("-a", "-t", "[2001:2::80]:80", "-r", "2001:2::11"), ok("-a", "-t", "[2001:2::80]:80",
            "-r", "2001:2::11"), "an IPv6 address without brackets has no port");
        assertTrue(IpvsadmArgs.parse(List.of("-h")).help());
        assertTrue(IpvsadmArgs.parse(List.of("--version")).version());
    }

    @Test
    void badCommandLinesShouldGetIpvsadmsWordsAndStatus()
    {
        refused(255, "Try `jvs adm -h' or 'jvs adm --help' for more information.", "-n", "-L");
        refused(2, "multiple commands specified", "-L", "-Z");
        refused(2, "multiple 'numeric' options specified", "-Ln", "-n");
        refused(2, "illegal virtual server address[:port] specified", "-A", "-t", "198.18.0.300:80");
        refused(2, "illegal real server address[:port] specified", "-a", "-t", "198.18.0.80:80", "-r", "x");
        refused(2, "illegal weight specified", "-a", "-t", "198.18.0.80:80", "-r", "198.18.1.1", "-w", "65536");
        refused(2, "illegal u_threshold specified", "-a", "-t", "198.18.0.80:80", "-r", "198.18.1.1", "-x", "-1");
        refused(2, "invalid timeout value `0' specified", "-A", "-t", "198.18.0.80:80", "-p", "0");
        refused(2, "invalid fwmark value `0' specified", "-A", "-f", "0");
        refused(2, "You need to supply the 'service-address' option for the 'add-service' command", "-A", "-s", "rr");
        refused(2, "You need to supply the 'real-server' option for the 'add-server' command", "-a", "-t",
            "198.18.0.80:80");
        refused(2, "Illegal 'weight' option with the 'add-service' command", "-A", "-t", "198.18.0.80:80", "-w", "1");
        refused(2, "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
            "-L", "-c", "-t", "198.18.0.80:80");
        refused(2, "options conflicts in the list command", "-L", "-c", "--stats");
        refused(2, "Zero port specified for non-persistent service", "-A", "-t", "198.18.0.80");
        refused(2, "One-Packet Scheduling is only for UDP virtual services", "-A", "-t", "198.18.0.80:80", "-o");
        refused(2, "--set option requires 3 timeout values", "--set", "900", "120");
        refused(2, "-q: unknown option", "-Lq");
        refused(2, "-6 used before -f", "-A", "-6", "-f", "7");
        refused(2, "illegal ipv6 netmask specified", "-A", "-t", "[2001:2::80]:80", "-p", "-M", "129");
        refused(2, "illegal virtual server address[:port] specified", "-A", "-t", "[2001:2::80]");
        refused(2, "illegal virtual server address[:port] specified", "-A", "-t", "[2001:2::8::0]:80");
    }
}

package dev.jvs.schedulers.sim;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatorTest
{
    private static String run(final String scheduler, final String flags, final String... lines)
        throws IOException, TraceException
    {
        final StringWriter out = new StringWriter();
        new Simulator(scheduler, flags, 1).run(
            new BufferedReader(new StringReader(String.join("\n", lines))), new PrintWriter(out));
        return out.toString();
    }

    private static String add(final String rs, final int host, final int weight)
    {
        return "{\"op\":\"add\",\"rs\":\"" + rs + "\",\"addr\":\"198.19.0." + host + ":80\",\"weight\":" + weight +
            "}";
    }

    private static String conn(final String id, final String proto, final int client)
    {
        return "{\"op\":\"conn\",\"id\":\"" + id + "\",\"proto\":\"" + proto + "\",\"src\":\"198.18.0." + client +
            ":40000\",\"dst\":\"198.19.0.80:80\"}";
    }

    private static String ev(final String op, final String id)
    {
        return "{\"op\":\"" + op + "\",\"id\":\"" + id + "\"}";
    }

    @Test
    void shouldPrintEveryPickOfWrrInKernelOrder() throws Exception
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 1; i <= 12; i++)
        {
            out.append("c").append(i).append(' ').append("CBAABACBACBA".charAt(i - 1)).append('\n');
        }
        final String[] lines = new String[15];
        lines[0] = add("A", 11, 4);
        lines[1] = add("B", 12, 3);
        lines[2] = add("C", 13, 2);
        for (int i = 1; i <= 12; i++)
        {
            lines[2 + i] = conn("c" + i, "tcp", i);
        }
        assertEquals(out.toString(), run("wrr", "", lines));
    }

    @Test
    void shouldCountTcpActiveOnlyWhenEstablishedAndUdpAlwaysInactive() throws Exception
    {
        assertEquals(String.join("\n", "u1 B", "t1 A", "t2 B", "t3 B", "t4 B", ""),
            run("lc", "",
                add("A", 11, 1),
                add("B", 12, 1),
                conn("u1", "udp", 1),   // tie: head (B); B inactive 1
                conn("t1", "tcp", 2),   // A (0 < 1)
                ev("est", "t1"),        // A active: 256
                ev("est", "u1"),        // UDP: nothing changes
                conn("t2", "tcp", 3),   // B (1 < 256)
                conn("t3", "tcp", 4),   // B (2 < 256)
                ev("fin", "t1"),        // A back to inactive: 1
                ev("close", "t3"),      // B: 2
                ev("close", "t2"),      // B: 1
                ev("close", "u1"),      // B: 0
                conn("t4", "tcp", 5))); // A has 1, B 0: B
    }

    @Test
    void shouldRefuseOverloadedServersAndTakeThemBackBelowTheLowerMark() throws Exception
    {
        assertEquals(String.join("\n", "c1 A", "c2 A", "c3 -", "c4 A", "c5 -", "c6 A", ""),
            run("rr", "",
                "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"198.19.0.11:80\",\"u\":2}",
                conn("c1", "tcp", 1),
                conn("c2", "tcp", 2),   // 2 >= u: overloaded
                conn("c3", "tcp", 3),
                ev("close", "c1"),      // 1*4 < 2*3: cleared
                ev("close", "c2"),
                "{\"op\":\"conns\",\"rs\":\"A\",\"active\":0,\"inactive\":5}",
                conn("c4", "tcp", 4),   // counts alone do not mark; this bind does (6 >= 2)
                conn("c5", "tcp", 5),
                "{\"op\":\"edit\",\"rs\":\"A\",\"u\":0}",
                conn("c6", "tcp", 6)));
    }

    @Test
    void shouldQuiesceWithWeightZeroAndKeepConnectionsOfDeletedServers() throws Exception
    {
        assertEquals(String.join("\n", "c1 B", "c2 A", "c3 A", "c4 A", ""),
            run("wlc", "",
                add("A", 11, 1),
                add("B", 12, 1),
                conn("c1", "tcp", 1),
                "{\"op\":\"edit\",\"rs\":\"B\",\"weight\":0}",
                conn("c2", "tcp", 2),
                conn("c3", "tcp", 3),
                "{\"op\":\"del\",\"rs\":\"B\"}",
                ev("est", "c1"),
                ev("close", "c1"),
                conn("c4", "tcp", 4)));
    }

    @Test
    void shouldRebindTheSchedulerWithTheServersInPlace() throws Exception
    {
        assertEquals(String.join("\n", "c1 B", "c2 A", "c3 A", "c4 B", ""),
            run("rr", "",
                add("A", 11, 1),
                add("B", 12, 3),
                conn("c1", "tcp", 1),
                conn("c2", "tcp", 2),
                "{\"op\":\"scheduler\",\"name\":\"fo\"}",
                "{\"op\":\"edit\",\"rs\":\"A\",\"weight\":5}",
                conn("c3", "tcp", 3),
                "{\"op\":\"scheduler\",\"name\":\"wlc\"}",
                conn("c4", "tcp", 4)));
    }

    @Test
    void shouldAgeLblcMapsWithTicks() throws Exception
    {
        final String toX = "{\"op\":\"conn\",\"id\":\"%s\",\"proto\":\"tcp\",\"src\":\"198.18.0.1:1\"," +
            "\"dst\":\"198.19.7.1:80\"}";
        assertEquals(String.join("\n", "c1 A", "c2 A", "c3 B", ""),
            run("lblc", "",
                add("B", 12, 1),
                add("A", 11, 1),
                String.format(toX, "c1"),
                "{\"op\":\"tick\",\"sec\":86399}",
                String.format(toX, "c2"),   // still cached; last use now 86399 s
                "{\"op\":\"tick\",\"sec\":88200}",
                String.format(toX, "c3"))); // the full check at 172800 s expired it: wlc, A has 2, B none
    }

    @Test
    void shouldTakeTwosDrawsFromTheEvent() throws Exception
    {
        final String c = "{\"op\":\"conn\",\"id\":\"%s\",\"proto\":\"tcp\",\"src\":\"198.18.0.1:1\"," +
            "\"dst\":\"198.19.0.80:80\",\"rand\":[%d,%d]}";
        assertEquals(String.join("\n", "c1 A", "c2 B", "c3 B", ""),
            run("twos", "",
                add("B", 12, 3),
                add("A", 11, 1),
                String.format(c, "c1", 0, 0),
                String.format(c, "c2", 4, 4),
                String.format(c, "c3", 4294967295L, 4)));
    }

    @Test
    void shouldHonourShPortFlag() throws Exception
    {
        final StringBuilder trace = new StringBuilder();
        for (int i = 0; i < 4; i++)
        {
            trace.append(add("S" + i, 11 + i, 1)).append('\n');
        }
        for (int port = 1; port <= 64; port++)
        {
            trace.append("{\"op\":\"conn\",\"id\":\"c").append(port)
                .append("\",\"proto\":\"tcp\",\"src\":\"198.18.0.9:").append(port)
                .append("\",\"dst\":\"198.19.0.80:80\"}\n");
        }
        final String plain = run("sh", "", trace.toString().split("\n"));
        final String byPort = run("sh", "sh-port", trace.toString().split("\n"));
        assertEquals(1, plain.lines().map(l -> l.split(" ")[1]).distinct().count());
        assertEquals(4, byPort.lines().map(l -> l.split(" ")[1]).distinct().count());
    }

    /**
     * IPv6 clients: sh hashes the address the kernel's ip_vs_sh_hashkey folds (ip6[0]^ip6[1]^ip6[2]^ip6[3]),
     * so 2001:2::5 and 2001:2:0:5:: (one fold, 0x20010007) meet on one server, as does the IPv4 address
     * 32.1.0.7 that is that fold.
     */
    @Test
    void shouldFoldIpv6AddressesAsTheKernelsHashSchedulersDo() throws Exception
    {
        final StringBuilder trace = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            trace.append("{\"op\":\"add\",\"rs\":\"S").append(i).append("\",\"addr\":\"[2001:2::1")
                .append(i).append("]:80\",\"weight\":1}\n");
        }
        final String[] clients = {"[2001:2::5]:40000", "[2001:2:0:5::]:40000", "32.1.0.7:40000"};
        for (int c = 0; c < clients.length; c++)
        {
            trace.append("{\"op\":\"conn\",\"id\":\"c").append(c).append("\",\"proto\":\"tcp\",\"src\":\"")
                .append(clients[c]).append("\",\"dst\":\"[2001:2::80]:80\"}\n");
        }
        final java.util.List<String> picks = run("sh", "", trace.toString().split("\n")).lines()
            .map(l -> l.split(" ")[1]).toList();
        assertEquals(3, picks.size());
        assertEquals(1, picks.stream().distinct().count(), "one fold, one server: " + picks);
        assertBad("line 1: \"addr\" must be IPv4:port or [IPv6]:port, not \"[2001:2::1]\"",
            "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"[2001:2::1]\",\"weight\":1}");
    }

    @Test
    void shouldStopAtTheFirstBadLineNamingIt() throws Exception
    {
        final StringWriter out = new StringWriter();
        final Simulator sim = new Simulator("rr", "", 1);
        final TraceException ex = assertThrows(TraceException.class, () -> sim.run(new BufferedReader(
            new StringReader(String.join("\n", add("A", 11, 1), conn("c1", "tcp", 1), "", "{\"op\":\"conn\""))),
            new PrintWriter(out)));
        assertEquals(4, ex.line());
        assertTrue(ex.getMessage().startsWith("line 4: not valid JSON"), ex.getMessage());
        assertEquals("c1 A\n", out.toString(), "picks before the error are written");
    }

    @Test
    void shouldExplainEveryKindOfBadEvent()
    {
        assertBad("line 1: unknown op \"jump\"", "{\"op\":\"jump\"}");
        assertBad("line 1: \"op\" must be a non-empty string", "{\"id\":\"x\"}");
        assertBad("line 1: expected a JSON object", "[1,2]");
        assertBad("line 2: real server A already exists", add("A", 11, 1), add("A", 11, 1));
        assertBad("line 2: real server A already has address", add("A", 11, 1), add("B", 11, 1));
        assertBad("line 1: \"weight\" must be an integer 0..2147483647", add("A", 11, -1));
        assertBad("line 1: \"addr\" must be IPv4:port", "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"198.19.0.300:80\"}");
        assertBad("line 1: \"addr\" has a bad port", "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"198.19.0.3:http\"}");
        assertBad("line 1: no real server Z in the service", "{\"op\":\"edit\",\"rs\":\"Z\",\"weight\":1}");
        assertBad("line 1: no open connection c9", ev("est", "c9"));
        assertBad("line 3: connection c1 is already open", add("A", 11, 1), conn("c1", "tcp", 1),
            conn("c1", "tcp", 2));
        assertBad("line 1: proto must be tcp, udp or sctp", conn("c1", "icmp", 1));
        assertBad("line 1: \"sec\" must be a number of seconds", "{\"op\":\"tick\",\"sec\":-1}");
        assertBad("line 1: unknown scheduler 'best'", "{\"op\":\"scheduler\",\"name\":\"best\"}");
        assertBad("line 1: \"rand\" values must be integers", "{\"op\":\"conn\",\"id\":\"c\",\"proto\":\"tcp\"," +
            "\"src\":\"198.18.0.1:1\",\"dst\":\"198.19.0.80:80\",\"rand\":[1.5]}");
    }

    private static void assertBad(final String prefix, final String... lines)
    {
        final TraceException ex = assertThrows(TraceException.class, () -> run("rr", "", lines));
        assertTrue(ex.getMessage().startsWith(prefix), "got: " + ex.getMessage());
    }

    @Test
    void shouldRejectUnknownSchedulersAndFlagsUpFront()
    {
        assertThrows(IllegalArgumentException.class, () -> new Simulator("fastest", "", 1));
        assertThrows(IllegalArgumentException.class, () -> new Simulator("sh", "sh-random", 1));
    }
}

package dev.jvs.director.check;

import dev.jvs.director.config.Check;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP_GET's judgement of a response (the sockets are exercised in testbed's CheckerLabTest). */
class HealthCheckerTest
{
    private static String judge(final KeepalivedConfig.Url u, final String response)
    {
        final byte[] b = response.getBytes(StandardCharsets.ISO_8859_1);
        return Replies.http(u, b, b.length);
    }

    @Test
    void shouldAcceptTwoHundredsByDefaultAndTheConfiguredCodesOtherwise()
    {
        final KeepalivedConfig.Url any = new KeepalivedConfig.Url("/", Set.of(), null);
        assertNull(judge(any, "HTTP/1.0 204 No Content\r\n\r\n"));
        assertEquals("HTTP status 301 for /", judge(any, "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n"));
        final KeepalivedConfig.Url redirect = new KeepalivedConfig.Url("/", Set.of(301), null);
        assertNull(judge(redirect, "HTTP/1.1 301 Moved\r\n\r\n"));
        assertEquals("HTTP status 200 for /", judge(redirect, "HTTP/1.1 200 OK\r\n\r\n"));
        assertEquals("empty response", judge(any, ""));
        assertEquals("bad status line 'SSH-2.0-OpenSSH'", judge(any, "SSH-2.0-OpenSSH\r\n"));
        assertEquals("no HTTP status line", judge(any, "HTTP/1.0 200"));
    }

    @Test
    void theDigestShouldBeTheMd5OfTheBodyAsGenhashComputesIt()
    {
        // A digest that is not the body's.
        final KeepalivedConfig.Url u = new KeepalivedConfig.Url("/", Set.of(), "00fd8a1d6e5f4e2ddc2ef2c30ec44e6d");
        final String body = "rs1\n";
        final String md5 = java.util.HexFormat.of().formatHex(md5(body));
        final KeepalivedConfig.Url good = new KeepalivedConfig.Url("/", Set.of(), md5);
        assertNull(judge(good, "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\n" + body));
        assertEquals("digest " + md5 + " of / is not 00fd8a1d6e5f4e2ddc2ef2c30ec44e6d",
            judge(u, "HTTP/1.0 200 OK\r\n\r\n" + body));
        assertEquals("no end of HTTP headers", judge(good, "HTTP/1.0 200 OK\r\nServer: x\r\n"));
    }

    @Test
    void miscCheckShouldFollowTheScriptsExitStatusAndItsTimeout() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            virtual_server 198.19.0.80 80 {
                delay_loop 1
                real_server 198.19.0.11 80 { weight 3; MISC_CHECK { misc_path "/bin/sh -c 'exit 0'\"; retry 0 } }
                real_server 198.19.0.12 80 { weight 3; MISC_CHECK { misc_path "/bin/sh -c 'exit 1'\"; retry 0 } }
                real_server 198.19.0.13 80 { weight 3; MISC_CHECK { misc_path "sleep 30"; misc_timeout 0.3; retry 0 } }
                real_server 198.19.0.14 80 { weight 3; MISC_CHECK { misc_path "/bin/sh -c 'exit 7'\"; misc_dynamic; retry 0 } }
                real_server 198.19.0.15 80 { weight 3; MISC_CHECK { misc_path "/bin/sh -c 'exit 7'\"; retry 0 } }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """.replace("; ", "\n"));
        final java.util.List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.List<RealServer> rs = c.virtualServers.get(0).realServers();
        try (HealthChecker hc = new HealthChecker(c, java.util.Map.of(), log::add))
        {
            hc.start();
            final long end = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end && !(hc.weight(rs.get(1)) < 0 && hc.weight(rs.get(2)) < 0 &&
                hc.weight(rs.get(3)) == 5 && hc.weight(rs.get(4)) < 0))
            {
                Thread.sleep(50);
            }
            assertEquals(3, hc.weight(rs.get(0)), "exit 0: up, configured weight");
            assertEquals(-1, hc.weight(rs.get(1)), "exit 1: down");
            assertEquals(-1, hc.weight(rs.get(2)), "killed at misc_timeout: down");
            assertEquals(5, hc.weight(rs.get(3)), "misc_dynamic: exit 7 sets weight 5");
            assertEquals(-1, hc.weight(rs.get(4)), "without misc_dynamic, exit 7 is a failure");
            final String all = String.join("\n", log);
            org.junit.jupiter.api.Assertions.assertTrue(all.contains("script timeout after 300 ms"), all);
            org.junit.jupiter.api.Assertions.assertTrue(all.contains("weight 5 (exit status 7)"), all);
        }
    }

    @Test
    void losingTheQuorumShouldPutTheSorryServerAloneInThePoolAndRunTheScripts(
        @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception
    {
        final java.nio.file.Path flag = dir.resolve("rs2-ok");
        java.nio.file.Files.createFile(flag);
        final KeepalivedConfig c = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            virtual_server 198.19.0.80 80 {
                delay_loop 0.2
                quorum 2
                sorry_server 198.19.0.99 8080
                quorum_down "touch %1$s/quorum-down"
                quorum_up "touch %1$s/quorum-up"
                real_server 198.19.0.11 80 { MISC_CHECK { misc_path "/bin/sh -c 'exit 0'\"; retry 0 } }
                real_server 198.19.0.12 80 {
                    notify_down "touch %1$s/rs2-down"
                    MISC_CHECK { misc_path "test -e %2$s"; retry 0 }
                }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """.formatted(dir, flag).replace("; ", "\n"));
        final VirtualServer vs = c.virtualServers.get(0);
        final dev.jvs.engine.service.ServiceTable t = new dev.jvs.engine.service.ServiceTable(() -> 4);
        final dev.jvs.engine.Neighbors nb = new dev.jvs.engine.Neighbors();
        dev.jvs.director.config.ConfigLoader.apply(c, t, nb, -1, 0);
        final dev.jvs.engine.service.VirtualService s = t.get(6, dev.jvs.engine.frame.Ipv4.parse("198.19.0.80"), 80);
        final java.util.List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (HealthChecker hc = new HealthChecker(c, java.util.Map.of(), log::add))
        {
            org.junit.jupiter.api.Assertions.assertTrue(hc.quorumUp(vs), "2 live of quorum 2");
            hc.start();
            java.nio.file.Files.delete(flag);
            final long end = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end && (hc.quorumUp(vs) ||
                !java.nio.file.Files.exists(dir.resolve("quorum-down")) ||
                !java.nio.file.Files.exists(dir.resolve("rs2-down"))))
            {
                Thread.sleep(20);
            }
            org.junit.jupiter.api.Assertions.assertFalse(hc.quorumUp(vs), String.join("\n", log));
            org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.exists(dir.resolve("rs2-down")));
            dev.jvs.director.config.ConfigLoader.reconcile(c, t, nb, 0, hc);
            assertEquals(1, s.dests().count(), "the sorry server alone");
            final int sorry = s.findRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.99"), 8080);
            assertEquals(1, s.dests().weight(sorry));

            java.nio.file.Files.createFile(flag);
            final long end2 = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end2 && (!hc.quorumUp(vs) ||
                !java.nio.file.Files.exists(dir.resolve("quorum-up"))))
            {
                Thread.sleep(20);
            }
            org.junit.jupiter.api.Assertions.assertTrue(hc.quorumUp(vs), String.join("\n", log));
            dev.jvs.director.config.ConfigLoader.reconcile(c, t, nb, 0, hc);
            assertEquals(2, s.dests().count(), "the real servers back, the sorry server out");
            org.junit.jupiter.api.Assertions.assertTrue(
                s.findRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.99"), 8080) < 0);
            org.junit.jupiter.api.Assertions.assertTrue(String.join("\n", log).contains(
                "lost quorum 2-0=2 > 1 for 198.19.0.80:80: the sorry server 198.19.0.99 serves"), String.join("\n", log));
        }
    }

    private static byte[] md5(final String s)
    {
        try
        {
            return java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.US_ASCII));
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void haSuspendShouldHoldChecksWhileBackupAndOmegaShouldNotifyAtShutdown() throws Exception
    {
        final java.nio.file.Path notes = java.nio.file.Files.createTempFile("jvs-omega", ".txt");
        final KeepalivedConfig c = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            virtual_server 198.19.0.80 80 {
                delay_loop 0.2
                ha_suspend
                omega
                quorum_down "/bin/sh -c 'echo quorum_down >> NOTES'"
                real_server 198.19.0.11 80 { MISC_CHECK { misc_path "/bin/sh -c 'exit 1'\"; retry 0 } }
                real_server 198.19.0.12 80 { notify_down "/bin/sh -c 'echo down12 >> NOTES'"; MISC_CHECK { misc_path "/bin/sh -c 'exit 0'\" } }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """.replace("; ", "\n").replace("NOTES", notes.toString()));
        final java.util.List<RealServer> rs = c.virtualServers.get(0).realServers();
        final java.util.concurrent.atomic.AtomicBoolean active = new java.util.concurrent.atomic.AtomicBoolean();
        // Observed, not slept on: every due round asks whether this director is active; none may start.
        final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        final HealthChecker hc = new HealthChecker(c, java.util.Map.of(), s -> { });
        try
        {
            hc.haActive(() ->
            {
                asked.incrementAndGet();
                return active.get();
            });
            hc.onCheckStart((due, now) -> started.incrementAndGet());
            hc.start();
            final long rounds = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < rounds && asked.get() < 10)
            {
                Thread.sleep(20);
            }
            assertTrue(asked.get() >= 10, "the rounds came due: " + asked.get());
            assertEquals(0, started.get(), "backup: no check ran");
            assertEquals(1, hc.weight(rs.get(0)), "backup: the failing check did not run");
            active.set(true);
            final long end = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end && hc.weight(rs.get(0)) >= 0)
            {
                Thread.sleep(50);
            }
            assertEquals(-1, hc.weight(rs.get(0)), "active: it runs and fails");
        }
        finally
        {
            hc.close();
        }
        hc.omega();
        final long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end && java.nio.file.Files.readAllLines(notes).size() < 2)
        {
            Thread.sleep(50);
        }
        assertEquals(java.util.Set.of("down12", "quorum_down"), java.util.Set.copyOf(
            java.nio.file.Files.readAllLines(notes)), "omega: live servers' notify_down and quorum_down");
        java.nio.file.Files.delete(notes);
    }

    @Test
    void udpCheckShouldJudgeRepliesAsKeepalivedDoes() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            virtual_server 198.19.0.80 53 {
                real_server 198.19.0.11 53 {
                    UDP_CHECK {
                        payload 00:01 02
                        require_reply 0a 0b
                        min_reply_length 2
                        max_reply_length 4
                    }
                }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """);
        final Check ch = c.virtualServers.get(0).realServers().get(0).checks().get(0);
        assertEquals("000102", java.util.HexFormat.of().formatHex(ch.udpPayload()));
        assertEquals(53, ch.connectPort());
        final java.util.function.Function<String, String> j = hex ->
        {
            final byte[] b = java.util.HexFormat.of().parseHex(hex);
            return Replies.udp(ch, java.nio.ByteBuffer.wrap(b), b.length);
        };
        assertNull(j.apply("0a0b"));
        assertNull(j.apply("0a0bff"));
        assertEquals("UDP reply differs from require_reply at byte 1", j.apply("0a0c"));
        assertEquals("UDP reply of 1 bytes, outside 2..4", j.apply("0a"));
        assertEquals("UDP reply of 5 bytes, outside 2..4", j.apply("0a0b000000"));
    }

    @Test
    void fileCheckShouldFollowItsTrackFile() throws Exception
    {
        final java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jvs-filecheck");
        final java.nio.file.Path gate = dir.resolve("gate");
        final java.nio.file.Path offset = dir.resolve("offset");
        java.nio.file.Files.writeString(gate, "0\n");
        java.nio.file.Files.writeString(offset, "2\n");
        final KeepalivedConfig c = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            track_file gate {
                file "GATE"
            }
            track_file offset {
                file "OFFSET"
            }
            virtual_server 198.19.0.80 80 {
                delay_loop 0.2
                real_server 198.19.0.11 80 {
                    weight 5
                    FILE_CHECK {
                        track_file gate
                        weight 0
                    }
                }
                real_server 198.19.0.12 80 {
                    weight 5
                    FILE_CHECK {
                        track_file offset
                        weight 3
                        dynamic
                    }
                }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """.replace("GATE", gate.toString()).replace("OFFSET", offset.toString()));
        final java.util.List<RealServer> rs = c.virtualServers.get(0).realServers();
        try (HealthChecker hc = new HealthChecker(c, java.util.Map.of(), s -> { }))
        {
            hc.start();
            final long end = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end && 11 != hc.weight(rs.get(1)))
            {
                Thread.sleep(50);
            }
            assertEquals(5, hc.weight(rs.get(0)), "0 in a weight-0 file: up");
            assertEquals(11, hc.weight(rs.get(1)), "dynamic: 5 + 2 x 3");
            java.nio.file.Files.writeString(gate, "1\n");
            java.nio.file.Files.writeString(offset, "-4\n");
            final long end2 = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < end2 && !(hc.weight(rs.get(0)) < 0 && hc.weight(rs.get(1)) < 0))
            {
                Thread.sleep(50);
            }
            assertEquals(-1, hc.weight(rs.get(0)), "non-zero in a weight-0 file: down");
            assertEquals(-1, hc.weight(rs.get(1)), "5 - 12 < 0: down");
        }
        final Check ch = c.virtualServers.get(0).realServers().get(1).checks().get(0);
        assertEquals("offset", ch.trackFile());
        assertThrows(dev.jvs.director.config.ConfigException.class, () -> KeepalivedConfig.parse(
            java.nio.file.Path.of("k.conf"), "virtual_server 198.19.0.80 80 {\n real_server 198.19.0.11 80 {\n" +
            "  FILE_CHECK {\n   track_file nope\n  }\n }\n}\n"));
    }
}

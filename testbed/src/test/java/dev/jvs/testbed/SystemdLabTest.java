package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * systemd's Type=notify, spoken to a socket of the test's own as systemd would listen on it: READY=1 once the
 * director forwards, RELOADING=1 then READY=1 around each reload (applied or refused), WATCHDOG=1 at half of
 * WATCHDOG_USEC, STOPPING=1 at SIGTERM. And jvs adm --reload waits for the result and fails when the reload did.
 */
@Timeout(120)
class SystemdLabTest extends LabTest
{
    private static final String CONF = """
        virtual_server 198.19.0.80 80 {
          lb_algo rr
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
          }
        }
        """;
    private static final String LISTENER = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(sys.argv[1])
        with open(sys.argv[2], 'a') as f:
            while True:
                f.write(s.recv(4096).decode().replace('\\n', ' ') + '\\n')
                f.flush()
        """;

    private static List<String> await(final Path out, final String text) throws Exception
    {
        for (int t = 0; t < 100; t++)
        {
            final List<String> lines = Files.exists(out) ? Files.readAllLines(out) : List.of();
            if (lines.stream().anyMatch(l -> l.contains(text)))
            {
                return lines;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + text + " in " + (Files.exists(out) ? Files.readString(out) : "(nothing)"));
    }

    @Test
    void notificationsShouldFollowTheDirectorsLife() throws Exception
    {
        final Path sock = work.resolve("notify.sock");
        final Path out = work.resolve("notify.txt");
        final Path script = work.resolve("listener.py");
        Files.writeString(script, LISTENER);
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.ns().spawn("director", List.of("python3", script.toString(), sock.toString(), out.toString()),
                work.resolve("listener.log"));
            for (int t = 0; t < 50 && !Files.exists(sock); t++)
            {
                Thread.sleep(100);
            }
            lab.directorEnvironment(List.of("NOTIFY_SOCKET=" + sock, "WATCHDOG_USEC=400000"));
            lab.startDirector(CONF, List.of("--control", work.resolve("ctl.sock").toString()));
            final List<String> ready = await(out, "READY=1");
            assertTrue(ready.get(0).startsWith("READY=1 STATUS=forwarding on eth0: 1 virtual services, 0 VRRP"),
                ready.toString());
            assertTrue(lab.get("/").startsWith("rs1"), "forwarding when READY=1 came");
            Thread.sleep(1000);
            final long pings = Files.readAllLines(out).stream().filter("WATCHDOG=1"::equals).count();
            assertTrue(pings >= 2, "watchdog every 0.2 s: " + pings + " in a second and more");

            // jvs adm --reload: the result, or the refusal and a failing status.
            final Path ctl = work.resolve("ctl.sock");
            final Netns.Result ok = adm(ctl, "--reload");
            assertEquals(0, ok.exit(), ok.out());
            assertTrue(ok.out().startsWith("reloaded "), ok.out());
            Files.writeString(work.resolve("keepalived.conf"), CONF.replace("lb_algo rr", "lb_algo best"));
            final Netns.Result bad = adm(ctl, "--reload");
            assertEquals(1, bad.exit(), bad.out());
            assertTrue(bad.out().contains("reload failed, the running configuration stays: ") &&
                bad.out().contains("keepalived.conf:2:11: unknown scheduler 'best'"), bad.out());
            final List<String> lines = await(out, "STATUS=reload failed");
            final List<String> reloads = lines.stream().filter(l -> !"WATCHDOG=1".equals(l)).toList();
            assertTrue(reloads.get(1).startsWith("RELOADING=1 MONOTONIC_USEC="), reloads.toString());
            assertTrue(reloads.get(2).startsWith("READY=1 STATUS=reloaded "), reloads.toString());
            assertTrue(reloads.get(3).startsWith("RELOADING=1 MONOTONIC_USEC="), reloads.toString());
            assertTrue(reloads.get(4).startsWith("READY=1 STATUS=reload failed, the running configuration stays"),
                reloads.toString());
            assertTrue(lab.get("/").startsWith("rs1"), "still forwarding with the running configuration");
            final String m = lab.ns().sh("director", "java -jar " + JAR + " adm --socket " + ctl + " metrics");
            assertTrue(m.contains("jvs_reloads_total{result=\"applied\"} 1\n") &&
                m.contains("jvs_reloads_total{result=\"failed\"} 1\n") && m.contains("jvs_reload_last_success 0\n"), m);

            assertEquals(0, lab.stopDirectorStatus());
            await(out, "STOPPING=1");
        }
    }
}

package dev.jvs.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How long a director takes from exec to forwarding ("started on", READY=1) and to VRRP master, in the DR lab,
 * for jvs with several JVM settings and for keepalived --vrrp: N starts each, medians. A restarted master that comes
 * up late preempts late; this is the figure bench/RESULTS.md quotes.
 *
 * <pre>java -cp build/jvs.jar:testbed/target/classes dev.jvs.testbed.StartupBench build/jvs.jar WORKDIR [N]</pre>
 */
public final class StartupBench
{
    private static final String CONF = """
        vrrp_instance VI_1 {
          state MASTER
          interface eth0
          virtual_router_id 51
          priority 150
          advert_int 1
          virtual_ipaddress {
            198.19.0.80
          }
        }
        virtual_server 198.19.0.80 80 {
          delay_loop 5
          lb_algo rr
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
            TCP_CHECK {
              connect_timeout 1
            }
          }
        }
        """;

    private StartupBench()
    {
    }

    /** @param args the jar, a work directory, starts per variant (default 7). */
    public static void main(final String[] args) throws Exception
    {
        final Path jar = Path.of(args[0]).toAbsolutePath();
        final Path work = Path.of(args[1]).toAbsolutePath();
        final int n = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Files.createDirectories(work);
        final Path conf = work.resolve("keepalived.conf");
        Files.writeString(conf, CONF);
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, jar))
        {
            final List<String> base = List.of("env", "_JAVA_SR_SIGNUM=39", "java", "-Xmx250m",
                "-Dagrona.disable.bounds.checks=true");
            final List<String> run = List.of("-jar", jar.toString(), "run", "-f", conf.toString(), "-i", "eth0",
                "--capacity", "1000000", "--control", "none");
            if (args.length > 3)
            {
                // One start with its log, to see where the time goes.
                final List<String> one = "launcher".equals(args[3]) ? concat(List.of(jar.getParent()
                    .resolve("../bin/jvs").normalize().toString()), List.of(), run.subList(2, run.size())) :
                    concat(base, List.of(args[3].split(" ")), run);
                measure(lab, work, one, "ready ", "-> MASTER");
                System.out.println(Files.readString(work.resolve("startup.log")));
                return;
            }
            report("jvs: java -jar, no CDS archive", lab, work, n, concat(base, List.of(), run), "ready ",
                "-> MASTER");
            // The launcher as installed: heap cap, and the class-data-sharing archive make build wrote.
            final Path launcher = jar.getParent().resolve("../bin/jvs").normalize();
            report("jvs: bin/jvs with its CDS archive", lab, work, n, concat(List.of(launcher.toString()),
                List.of(), run.subList(2, run.size())), "ready ", "-> MASTER");
            report("keepalived --vrrp", lab, work, n, List.of("keepalived", "-n", "-l", "-D", "--vrrp", "-f",
                conf.toString(), "-p", work.resolve("k.pid").toString(), "-r", work.resolve("kv.pid").toString()),
                "Registering gratuitous ARP", "Entering MASTER STATE");
        }
    }

    private static List<String> concat(final List<String> a, final List<String> b, final List<String> c)
    {
        final List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        return all;
    }

    private static void report(final String name, final Lab lab, final Path work, final int n, final List<String> cmd,
        final String ready, final String master) throws Exception
    {
        final long[] toReady = new long[n];
        final long[] toMaster = new long[n];
        for (int i = 0; i < n; i++)
        {
            final long[] t = measure(lab, work, cmd, ready, master);
            toReady[i] = t[0];
            toMaster[i] = t[1];
        }
        Arrays.sort(toReady);
        Arrays.sort(toMaster);
        System.out.printf(Locale.ROOT, "%-36s exec to ready: median %4d ms (min %4d, max %4d); to VRRP master: " +
            "median %4d ms (min %4d, max %4d)%n", name, toReady[n / 2], toReady[0], toReady[n - 1], toMaster[n / 2],
            toMaster[0], toMaster[n - 1]);
    }

    /** One start: ms from spawn to each log text, then SIGTERM and wait. */
    private static long[] measure(final Lab lab, final Path work, final List<String> cmd, final String ready,
        final String master) throws Exception
    {
        final Path log = work.resolve("startup.log");
        Files.deleteIfExists(log);
        final long t0 = System.nanoTime();
        final Process p = lab.ns().spawn("director", cmd, log);
        long r = -1;
        long m = -1;
        final long end = t0 + 20_000_000_000L;
        while ((r < 0 || m < 0) && System.nanoTime() < end && p.isAlive())
        {
            final String text = Files.exists(log) ? Files.readString(log) : "";
            final long now = (System.nanoTime() - t0) / 1_000_000;
            if (r < 0 && text.contains(ready))
            {
                r = now;
            }
            if (m < 0 && text.contains(master))
            {
                m = now;
            }
            Thread.sleep(2);
        }
        p.destroy();
        p.waitFor();
        // The lab's VRRP peer is nobody: let the address and the shield settle before the next start.
        Thread.sleep(300);
        if (r < 0 || m < 0)
        {
            throw new IllegalStateException("no '" + ready + "' or '" + master + "' in " + Files.readString(log));
        }
        return new long[] {r, m};
    }
}

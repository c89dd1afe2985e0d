package dev.jvs.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Broken flows when the set of directors changes under load: N = 3 directors behind the router's ECMP (the
 * ScaleOutLab), F long downloads at a limited rate, and one event in their middle: none, a director killed, a
 * director stopped gracefully (withdraw, drain), a director added; and all along a stream of new short connections
 * (ten a second). Each with sloppy_tcp and mh-sorted (a flow that
 * ECMP moves is picked up by its new director and sent to the same real server), and the kill once without
 * sloppy_tcp. Prints a table for bench/RESULTS.md.
 *
 * <pre>java -cp build/jvs.jar:testbed/target/classes dev.jvs.testbed.ScaleOutBench build/jvs.jar WORKDIR [FLOWS]</pre>
 */
public final class ScaleOutBench
{
    private static final String CONF = """
        virtual_server 198.18.1.80 80 {
          lb_algo mh
          mh-sorted
          mh-port
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
          }
          real_server 198.19.0.12 80 {
            weight 1
          }
        }
        """;
    private static final int BYTES = 1 << 20;

    private ScaleOutBench()
    {
    }

    /** @param args the jar, a work directory, concurrent flows (default 150). */
    public static void main(final String[] args) throws Exception
    {
        final Path jar = Path.of(args[0]).toAbsolutePath();
        final Path work = Path.of(args[1]).toAbsolutePath();
        final int flows = args.length > 2 ? Integer.parseInt(args[2]) : 150;
        try (ScaleOutLab lab = new ScaleOutLab(3, 2, work, jar))
        {
            Files.write(work.resolve("rs1/flow.bin"), new byte[BYTES]);
            Files.write(work.resolve("rs2/flow.bin"), new byte[BYTES]);
            final List<String> sloppy = List.of("--vs-sysctl", "sloppy_tcp=1", "--announce-drain", "5");
            startAll(lab, sloppy);
            System.out.printf(Locale.ROOT, "%-44s %7s %7s  %s%n", "event (N=3, " + flows + " flows of 1 MiB)",
                "broken", "of", "new connections during the row; entries per director at the event");
            row("none", lab, work, flows, () -> { });
            row("director 3 killed (SIGKILL), sloppy_tcp", lab, work, flows, () -> Netns.crash(lab.process(3)));
            lab.startDirector(3, CONF, sloppy);
            lab.awaitNextHops(3, 30_000);
            row("director 2 stopped (SIGTERM, 5 s drain), sloppy", lab, work, flows, () ->
            {
                lab.process(2).destroy();
                lab.process(2).waitFor();
            });
            row("director 2 added back, sloppy_tcp", lab, work, flows, () ->
            {
                lab.startDirector(2, CONF, sloppy);
                lab.awaitNextHops(3, 30_000);
            });
            for (int d = 1; d <= 3; d++)
            {
                Netns.crash(lab.process(d));
            }
            lab.awaitNextHops(0, 10_000);
            startAll(lab, List.of());
            row("director 3 killed (SIGKILL), no sloppy_tcp", lab, work, flows, () -> Netns.crash(lab.process(3)));
        }
    }

    private static void startAll(final ScaleOutLab lab, final List<String> options) throws Exception
    {
        for (int d = 1; d <= 3; d++)
        {
            lab.startDirector(d, CONF, options);
        }
        if (lab.awaitNextHops(3, 30_000) < 0)
        {
            throw new IllegalStateException("no ECMP route to the three directors: " + lab.nextHops());
        }
    }

    /** An event. */
    @FunctionalInterface
    private interface Event
    {
        void run() throws Exception;
    }

    private static void row(final String name, final ScaleOutLab lab, final Path work, final int flows,
        final Event event) throws Exception
    {
        final Path out = work.resolve("flows.txt");
        final Path fresh = work.resolve("new.txt");
        Files.deleteIfExists(out);
        Files.deleteIfExists(fresh);
        // Each flow 1 MiB at 64 KiB/s: 16 s, the event at 5 s, in their middle.
        final String cmd = "for i in $(seq 1 " + flows + "); do curl -s -o /dev/null --limit-rate 64k --max-time 60 " +
            "-w '%{http_code} %{size_download}\\n' http://" + ScaleOutLab.VIP + "/flow.bin >> " + out + " & done; " +
            "for j in $(seq 1 150); do curl -s -o /dev/null --max-time 10 -w '%{http_code}\\n' http://" +
            ScaleOutLab.VIP + "/ >> " + fresh + " & sleep 0.1; done; wait";
        final Process p = lab.ns().spawn("client", List.of("sh", "-c", cmd), work.resolve("flows.log"));
        Thread.sleep(5000);
        final List<String> per = new ArrayList<>();
        for (int d = 1; d <= 3; d++)
        {
            per.add(lab.process(d).isAlive() ? ScaleOutLab.director(d) + "=" + established(lab, d) :
                ScaleOutLab.director(d) + " down");
        }
        event.run();
        p.waitFor();
        final List<String> lines = Files.readAllLines(out);
        final long ok = lines.stream().filter(l -> l.equals("200 " + BYTES)).count();
        final List<String> news = Files.readAllLines(fresh);
        final long newOk = news.stream().filter("200"::equals).count();
        System.out.printf(Locale.ROOT, "%-44s %7d %7d  new connections failed %d of %d; %s%n", name, flows - ok, flows,
            150 - newOk, 150, String.join(", ", per));
    }

    private static long established(final ScaleOutLab lab, final int d) throws Exception
    {
        final Netns.Result r = Netns.run(List.of("java", "-jar", lab.jar().toString(), "adm", "--socket",
            lab.socket(d).toString(), "-Lnc"), 30);
        return r.out().lines().filter(l -> l.contains("ESTABLISHED") || l.contains("CLOSE ")).count();
    }
}

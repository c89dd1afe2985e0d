package dev.jvs.director.adm;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.ha.VrrpAgent;
import dev.jvs.engine.Counter;
import dev.jvs.engine.agent.Forwarders;
import dev.jvs.engine.service.VirtualService;

import java.util.List;
import java.util.function.Supplier;

/**
 * Answers {@code jvs adm} and the metrics endpoint on the conductor's thread. Changes go to every worker
 * (worker 0 first: a refused change stops there); counts are summed over the workers; what the services are
 * is read from worker 0's tables, on its thread.
 */
public final class AdmHandler implements ControlPlane.Handler
{
    private static final String SUPPORTED = "(supported: -A/-E/-D/-C, -a/-e/-d, --set, -R, -L/-l [-n] [-c] " +
        "[--stats|--rate|--thresholds|--persistent-conn|--timeout|--daemon] [--exact], -Z, -S [-n], --reload)";

    private final Forwarders tables;
    private final Supplier<KeepalivedConfig> config;
    private final Supplier<HealthChecker> checker;
    private final Supplier<String> reload;
    private Supplier<Reloads> reloads = () -> new Reloads(0, 0, 0, true);
    private final RateEstimator rates = new RateEstimator();
    private Runnable onEdit = () -> { };
    private VrrpAgent vrrp;
    private Supplier<String> daemonLine = () -> null;
    private Supplier<List<org.HdrHistogram.Histogram[]>> latency = List::of;

    /** What a listing asks for: ipvsadm's options. */
    private static final class Options
    {
        boolean list;
        boolean save;
        boolean stats;
        boolean exact;
        boolean nosort;
        boolean conns;
        boolean rate;
        boolean zero;
        boolean persistent;
        boolean thresholds;
        boolean daemon;
        boolean timeout;
        boolean reload;
        String service;
    }

    /**
     * @param tables the workers' tables.
     * @param config the running configuration (the metrics' health part).
     * @param checker the running checker.
     * @param reload reloads the configuration and says what changed (--reload; on the serving thread); an
     *     IllegalArgumentException says why not.
     */
    public AdmHandler(final Forwarders tables, final Supplier<KeepalivedConfig> config,
        final Supplier<HealthChecker> checker, final Supplier<String> reload)
    {
        this.tables = tables;
        this.config = config;
        this.checker = checker;
        this.reload = reload;
    }

    /**
     * What the reloads did, for the metrics.
     *
     * @param ok reloads applied.
     * @param failed reloads refused (the configuration was broken).
     * @param lastMs when the last one ended (ms since the epoch), 0 for none yet.
     * @param lastOk whether it was applied.
     */
    public record Reloads(long ok, long failed, long lastMs, boolean lastOk)
    {
    }

    /** @param counts what the reloads did so far. */
    public void reloads(final Supplier<Reloads> counts)
    {
        this.reloads = counts;
    }

    /** @param daemon the connection sync's line of ipvsadm -L --daemon, or null without sync. */
    public void sync(final Supplier<String> daemon)
    {
        this.daemonLine = daemon;
    }

    /** @param perWorker each worker's ring-wait and cycle histograms, for the metrics. */
    public void latency(final Supplier<List<org.HdrHistogram.Histogram[]>> perWorker)
    {
        this.latency = perWorker;
    }

    /** @param action run after a change to the services (-A/-E/-D/-C, -a/-e/-d, -R). */
    public void onEdit(final Runnable action)
    {
        this.onEdit = action;
    }

    /** @param agent the VRRP instances, for the metrics. */
    public void vrrp(final VrrpAgent agent)
    {
        this.vrrp = agent;
    }

    /**
     * Tick the rate estimator every 2 s; call each conductor cycle. The estimator keys its averages by worker
     * 0's services, so it runs on worker 0's thread (the conductor waits, then owns it again).
     *
     * @param nowMs the time.
     */
    public void tick(final long nowMs)
    {
        if (rates.due(nowMs))
        {
            final Totals t = totals();
            tables.ask(0, f ->
            {
                rates.tick(f.services(), () -> t, nowMs);
                return null;
            });
        }
    }

    private Totals totals()
    {
        return Totals.sum(tables.ask(Totals::of));
    }

    @Override
    public String handle(final List<String> args)
    {
        if (List.of("metrics").equals(args))
        {
            return metrics();
        }
        if (!args.isEmpty() && ("-R".equals(args.get(0)) || "--restore".equals(args.get(0))))
        {
            return restore(args.size() > 1 ? args.get(1) : "");
        }
        if (args.stream().anyMatch(IpvsadmEdit.COMMANDS::contains))
        {
            final IpvsadmEdit edit = IpvsadmEdit.parse(args);
            final long now = System.currentTimeMillis();
            tables.change(f -> edit.apply(f.services(), f.config(), now));
            onEdit.run();
            return "";
        }
        if (List.of("--vrrp").equals(args))
        {
            return null == vrrp ? "" : vrrpStatus(vrrp);
        }
        if (List.of("--checkers").equals(args))
        {
            return checker.get().describe(config.get());
        }
        final Options o = options(args);
        if (o.reload)
        {
            return reload.get();
        }
        if (o.zero)
        {
            return zero(o.service);
        }
        if (o.save)
        {
            final List<String> lines = tables.ask(0, f -> IpvsadmFormat.save(f.services()));
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }
        if (o.conns)
        {
            return connections(o.persistent);
        }
        if (o.timeout)
        {
            return tables.ask(0, f -> IpvsadmEdit.timeouts(f.config()));
        }
        if (o.daemon)
        {
            final String d = daemonLine.get();
            return null == d ? "" : d + "\n";
        }
        if (o.thresholds)
        {
            final Totals t = totals();
            return tables.ask(0, f -> IpvsadmFormat.thresholds(f.services(), t.tableCapacity(), t,
                !o.nosort));
        }
        if (o.list || args.isEmpty())
        {
            final Totals t = totals();
            return tables.ask(0, f ->
            {
                if (null != o.service && f.services().all().stream().noneMatch(s -> !s.isRemoved() &&
                    o.service.equals(service(s))))
                {
                    // ipvsadm's list_service: the kernel's "No such service", status 1.
                    throw new AdmRefusal(1, "No such service");
                }
                final String all = IpvsadmFormat.list(f.services(), t.tableCapacity(), o.stats, o.exact,
                    o.rate ? rates : null, o.persistent, t, null == o.service ? s -> true :
                    s -> o.service.equals(service(s)), !o.nosort);
                // One service is listed without the version line, as ipvsadm's list_service prints it.
                return null == o.service ? all : all.substring(all.indexOf('\n') + 1);
            });
        }
        throw new IllegalArgumentException("jvs adm: nothing to do");
    }

    private static Options options(final List<String> args)
    {
        final Options o = new Options();
        for (int i = 0; i < args.size(); i++)
        {
            final String a = args.get(i);
            switch (a)
            {
                case "-Z", "--zero" -> o.zero = true;
                case "-t", "--tcp-service", "-u", "--udp-service", "-f", "--fwmark-service" ->
                {
                    if (i + 1 >= args.size())
                    {
                        throw new IllegalArgumentException("jvs adm: " + a + " needs a service");
                    }
                    final String v = args.get(++i);
                    // Named as service() names it: [2001:2:0::1]:80 is [2001:2::1]:80.
                    o.service = a.startsWith("-f") || a.startsWith("--f") ? "FWM " + v :
                        (a.startsWith("-t") || a.startsWith("--t") ? "TCP " : "UDP ") + IpvsadmEdit.canonical(v);
                }
                case "-L", "-l", "--list", "-Ln", "-nL", "-ln" -> o.list = true;
                case "-S", "--save", "-Sn" -> o.save = true;
                case "-n", "--numeric" ->
                {
                    // Addresses are always printed as numbers.
                }
                case "--stats" -> o.stats = true;
                case "--rate" -> o.rate = true;
                case "--persistent-conn" -> o.persistent = true;
                case "--thresholds" -> o.thresholds = true;
                case "--daemon" -> o.daemon = true;
                case "--timeout" -> o.timeout = true;
                case "--exact" -> o.exact = true;
                case "--nosort" -> o.nosort = true;
                case "-c", "--connection" -> o.conns = true;
                case "-Lnc", "-Lcn", "-lnc", "-Lc" ->
                {
                    o.list = true;
                    o.conns = true;
                }
                case "--reload" ->
                {
                    o.reload = true;
                    return o;
                }
                default -> throw new IllegalArgumentException("jvs adm: " + a + " is not supported " + SUPPORTED);
            }
        }
        return o;
    }

    /** -Z [service]: counters and rates to zero, on every worker. */
    private String zero(final String only)
    {
        tables.change(f ->
        {
            final List<VirtualService> all = f.services().all();
            if (null != only && all.stream().noneMatch(s -> only.equals(service(s))))
            {
                throw new IllegalArgumentException("jvs adm: no such service " + only);
            }
            all.stream().filter(s -> null == only || only.equals(service(s))).forEach(VirtualService::zeroStats);
        });
        tables.ask(0, f ->
        {
            f.services().all().stream().filter(s -> null == only || only.equals(service(s))).forEach(rates::zero);
            return null;
        });
        return "";
    }

    /** -L -c: each worker lists its own clients' entries under the same two header lines. */
    private String connections(final boolean persistent)
    {
        final long now = System.currentTimeMillis();
        final List<String> parts = tables.ask(f -> IpvsadmFormat.connections(f.connections(), now, persistent));
        final StringBuilder b = new StringBuilder(parts.get(0));
        for (final String p : parts.subList(1, parts.size()))
        {
            b.append(p, p.indexOf('\n', p.indexOf('\n') + 1) + 1, p.length());
        }
        return b.toString();
    }

    /**
     * ipvsadm -R: apply ipvsadm-save lines in order; the first bad line stops the restore (those before it
     * stay applied, as with ipvsadm).
     */
    private String restore(final String text)
    {
        int n = 0;
        for (final String raw : text.split("\n", -1))
        {
            n++;
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            try
            {
                final IpvsadmEdit edit = IpvsadmEdit.parse(List.of(line.split("\\s+")));
                final long now = System.currentTimeMillis();
                tables.change(f -> edit.apply(f.services(), f.config(), now));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("jvs adm -R: line " + n + ": " + ex.getMessage() + ": " + line);
            }
            finally
            {
                onEdit.run();
            }
        }
        return "";
    }

    static String service(final VirtualService s)
    {
        return 0 != s.fwmark() ? "FWM " + Integer.toUnsignedString(s.fwmark()) :
            (6 == s.protocol() ? "TCP " : "UDP ") + s.address().withPort(s.vport());
    }

    /** jvs adm --vrrp: each instance's state and priorities, where it runs and what it owns. */
    private static String vrrpStatus(final VrrpAgent agent)
    {
        final StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "%-16s %-7s %-8s %-9s %-10s %-4s %s%n",
            "Instance", "State", "Priority", "Effective", "Interface", "VRID", "Addresses"));
        for (final dev.jvs.vrrp.VrrpInstance i : agent.instances())
        {
            final dev.jvs.vrrp.InstanceConfig c = i.config();
            b.append(String.format(java.util.Locale.ROOT, "%-16s %-7s %-8d %-9d %-10s %-4d %s%n", c.name(), i.state(),
                c.priority(), i.effectivePriority(), c.iface(), c.vrid(), dev.jvs.director.config.VrrpConfig.vipText(c)));
        }
        return b.toString();
    }

    /** Prometheus text exposition format 0.0.4. */
    private String metrics()
    {
        final StringBuilder b = new StringBuilder(4096);
        final Totals t = totals();
        tables.ask(0, f ->
        {
            Metrics.services(b, f.services(), t, rates);
            Metrics.nodeIpvs(b, f.services(), t);
            return null;
        });
        Metrics.health(b, config.get(), checker.get());
        final List<Long> perWorker = tables.count() > 1 ? tables.ask(f -> f.counters().get(Counter.FORWARDED_IN) +
            f.counters().get(Counter.FORWARDED_OUT)) : List.of();
        Metrics.engine(b, t, perWorker);
        Metrics.latency(b, latency.get());
        Metrics.daemon(b, reloads.get());
        if (null != vrrp && !vrrp.isEmpty())
        {
            Metrics.vrrp(b, vrrp);
        }
        return b.toString();
    }
}

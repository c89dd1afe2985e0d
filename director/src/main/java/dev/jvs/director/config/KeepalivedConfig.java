package dev.jvs.director.config;

import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.schedulers.Schedulers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The virtual-server part of keepalived.conf: {@code virtual_server} (by address and port, {@code fwmark N},
 * or {@code group NAME}), {@code virtual_server_group}, {@code real_server}, and jvs's
 * {@code jvs_fwmark_rules} (AF_PACKET sees frames before netfilter marks them, so jvs marks them itself).
 * Keywords of other subsystems (checkers, VRRP, notification) are accepted and left to them; unknown keywords
 * are warned about with their position and skipped, as keepalived does. Real errors stop the load with
 * file:line:column.
 */
public final class KeepalivedConfig
{
    /** A real server. */
    public static final class RealServer
    {
        /** Where it is declared. */
        public Position at;
        /** Address. */
        public int addr;
        /** Port (0: the client's). */
        public int port;
        /** Weight (-1 until set: then the virtual server's {@code weight}, by default 1). */
        public int weight = -1;
        /** Upper connection threshold. */
        public int uthreshold;
        /** Lower connection threshold. */
        public int lthreshold;
        /** Forwarding method, or -1 for the virtual server's. */
        public int method = -1;
        /** MAC address (jvs: for offline replay), or -1. */
        public long mac = -1;
        /** Health checks; the server is up when all are (none: always up). */
        public final List<Check> checks = new ArrayList<>();
        /** Set weight 0 instead of removing it when a check fails. */
        public boolean inhibitOnFailure;
        /** Start down until the checks pass (keepalived's alpha). */
        public boolean alpha;
        /** Scripts run when the checks bring it up or take it down, or null. */
        public Command notifyUp;
        /** smtp_alert: mail on its transitions. */
        public boolean smtpAlert;
        /** See {@link #notifyUp}. */
        public Command notifyDown;
        /** The virtual server it belongs to. */
        public VirtualServer vs;
        // Checker defaults set at this level (null: inherit the virtual server's).
        Long warmupMs;
        Long delayLoopMs;
        Long connectTimeoutMs;
        Integer retry;
        Long delayBeforeRetryMs;
        String virtualhost;
    }

    /** One URL of an HTTP_GET: path, accepted status codes (empty: 200-299), MD5 digest of the body. */
    public record Url(String path, java.util.Set<Integer> statusCodes, String digest)
    {
    }

    /** A health check of a real server, with every default resolved. */
    public static final class Check
    {
        /** Where it is declared. */
        public Position at;
        /** TCP_CHECK or HTTP_GET. */
        public String type;
        /** Address to connect to (the real server's unless connect_ip). */
        public int connectIp;
        /** Port to connect to (the real server's unless connect_port). */
        public int connectPort;
        /** Source address or 0. */
        public int bindIp;
        /** Source port or 0. */
        public int bindPort;
        /** Interval between checks. */
        public long delayLoopMs;
        /** Timeout of the connect and of each read or write. */
        public long connectTimeoutMs;
        /** Failures tolerated before the server goes down. */
        public int retry;
        /** Wait before a retry. */
        public long delayBeforeRetryMs;
        /** The first check waits a random time up to this (keepalived's warmup; 0 none). */
        public long warmupMs;
        /** Host header (HTTP_GET), or null for the connect address. */
        public String virtualhost;
        /** URLs (HTTP_GET). */
        public final List<Url> urls = new ArrayList<>();
        /** DNS_CHECK: the query type's number (keepalived's default SOA = 6). */
        public int dnsType = 6;
        /** DNS_CHECK: the name asked for (default the root). */
        public String dnsName = ".";
        /** SMTP_CHECK: the HELO name. */
        public String heloName = "smtpchecker.keepalived.org";
        /** MISC_CHECK: the command line, run by /bin/sh. */
        public String miscPath;
        /** MISC_CHECK (and PING_CHECK's ping): what runs, as whom. */
        public Command misc;
        /** MISC_CHECK: user [group] given with {@code user}, or null. */
        String[] miscUser;
        /** MISC_CHECK: how long it may run (default delay_loop). */
        public long miscTimeoutMs;
        /** MISC_CHECK: exit status 2-255 sets the weight to status - 2. */
        public boolean miscDynamic;
        /** UDP_CHECK: the datagram sent; without {@code payload} a filler, as keepalived's layer4.c sends one. */
        public byte[] udpPayload = "jvs UDP_CHECK filler datagram..".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        /** FILE_CHECK: the track_file's name. */
        public String trackFile;
        /** FILE_CHECK: weight multiplier (null: the track_file's). */
        public Integer fileWeight;
        /** FILE_CHECK: weight ... reverse. */
        public boolean fileReverse;
        /** FILE_CHECK: the result adjusts the real server's weight. */
        public boolean fileDynamic;
        /** UDP_CHECK: a reply is needed (otherwise no ICMP error within connect_timeout is success). */
        public boolean requireReply;
        /** UDP_CHECK: what the reply must start with, or null. */
        public byte[] replyPrefix;
        /** UDP_CHECK: shortest and longest acceptable reply (0: any). */
        public int minReplyLength;
        /** See {@link #minReplyLength}. */
        public int maxReplyLength;
        // Set at this level (null: inherit).
        Long warmup;
        Long delayLoop;
        Long connectTimeout;
        Integer retries;
        Long delayBeforeRetry;

        /** @return a copy (an SMTP_CHECK host block starts from its check's options). */
        Check copy()
        {
            final Check c = new Check();
            c.at = at;
            c.type = type;
            c.connectIp = connectIp;
            c.connectPort = connectPort;
            c.bindIp = bindIp;
            c.bindPort = bindPort;
            c.virtualhost = virtualhost;
            c.urls.addAll(urls);
            c.dnsType = dnsType;
            c.dnsName = dnsName;
            c.heloName = heloName;
            c.miscPath = miscPath;
            c.miscUser = miscUser;
            c.miscTimeoutMs = miscTimeoutMs;
            c.miscDynamic = miscDynamic;
            c.udpPayload = udpPayload;
            c.trackFile = trackFile;
            c.fileWeight = fileWeight;
            c.fileReverse = fileReverse;
            c.fileDynamic = fileDynamic;
            c.requireReply = requireReply;
            c.replyPrefix = replyPrefix;
            c.minReplyLength = minReplyLength;
            c.maxReplyLength = maxReplyLength;
            c.warmup = warmup;
            c.delayLoop = delayLoop;
            c.connectTimeout = connectTimeout;
            c.retries = retries;
            c.delayBeforeRetry = delayBeforeRetry;
            return c;
        }
    }

    /** A virtual server. */
    public static final class VirtualServer
    {
        /** Where it is declared. */
        public Position at;
        /** Address (0 for fwmark or group). */
        public int vip;
        /** Port. */
        public int port;
        /** Firewall mark or 0. */
        public int fwmark;
        /** Group name or null. */
        public String group;
        /** Scheduler (null until set; keepalived's default wlc is filled in with its warning). */
        public String scheduler;
        /** Scheduler flags. */
        public int flags;
        /** Forwarding method of its real servers (-1 until set; keepalived's default NAT comes with a warning). */
        public int method = -1;
        /** Protocol: 6 or 17 (0 until set; keepalived's default is UDP, with a warning). */
        public int protocol;
        /** The {@code weight} its real servers get when they set none (keepalived's default 1). */
        public int defaultWeight = 1;
        /** Persistence timeout, seconds (0 none). */
        public int persistenceTimeout;
        /** Persistence netmask. */
        public int persistenceNetmask = 0xFFFFFFFF;
        /** One-packet scheduling. */
        public boolean ops;
        /** Real servers in declaration order. */
        public final List<RealServer> realServers = new ArrayList<>();
        /** Checker interval (keepalived's default 60 s). */
        public long delayLoopMs = 60_000;
        /** Start real servers down until their checks pass. */
        public boolean alpha;
        /** Weight 0 instead of removal on failure. */
        public boolean inhibitOnFailure;
        /** smtp_alert: mail on its real servers' transitions and quorum changes. */
        public boolean smtpAlert;
        /** omega: at shutdown, run the notify_down of live real servers and quorum_down. */
        public boolean omega;
        /** ha_suspend: check only while this director is active (VRRP master, or no VRRP). */
        public boolean haSuspend;
        /** Sum of live weights the service needs (keepalived's default 1). */
        public long quorum = 1;
        /** Hysteresis around the quorum. */
        public long hysteresis;
        /** Scripts run when the quorum is gained or lost, or null. */
        public Command quorumUp;
        /** See {@link #quorumUp}. */
        public Command quorumDown;
        /** The sorry server's address (0: none) and port, used while the quorum is lost. */
        public int sorryAddr;
        /** See {@link #sorryAddr}. */
        public int sorryPort;
        /** Keep the sorry server with weight 0 instead of removing it. */
        public boolean sorryInhibit;
        /** The sorry server's method, or -1 for the virtual server's. */
        public int sorryMethod = -1;
        // Checker defaults at this level (null: the checker type's).
        Long warmupMs;
        Long connectTimeoutMs;
        Integer retry;
        Long delayBeforeRetryMs;
        String virtualhost;

        /** @return keepalived's {@code FMT_VS}: "[ADDR]:PROTO:PORT", "FWM N" or "[GROUP]:PORT". */
        public String keepalivedName()
        {
            if (null != group)
            {
                return "[" + group + "]:" + port;
            }
            if (0 != fwmark)
            {
                return "FWM " + fwmark;
            }
            return "[" + Ipv4.toString(vip) + "]:" + protocolName(protocol) + ":" + port;
        }

        /** @return "ADDR:PORT", "fwmark N" or "group NAME". */
        public String name()
        {
            if (null != group)
            {
                return "group " + group;
            }
            return 0 != fwmark ? "fwmark " + fwmark : Ipv4.toString(vip) + ":" + port;
        }
    }

    /** One member of a virtual_server_group: an address range and port, or a mark. */
    public record GroupMember(int first, int last, int port, int fwmark)
    {
    }

    /** A firewall-mark rule. */
    public record MarkRule(int protocol, int addr, int prefix, int portLow, int portHigh, int mark)
    {
    }

    /** keepalived's {@code IPVS_SVC_PERSISTENT_TIMEOUT}: what a zero-port service is made persistent for. */
    static final int PERSISTENT_TIMEOUT_S = 6 * 60;

    /** Virtual servers in declaration order. */
    public final List<VirtualServer> virtualServers = new ArrayList<>();
    /** Groups by name. */
    public final Map<String, List<GroupMember>> groups = new LinkedHashMap<>();
    /** Firewall-mark rules, in order. */
    public final List<MarkRule> markRules = new ArrayList<>();
    /**
     * keepalived's top-level {@code SSL} block for SSL_GET, loaded and checked with the configuration.
     *
     * @param certificate client certificate (PEM), or null.
     * @param key its key (PEM), or null (then in the certificate file).
     * @param password the key's password, or null.
     * @param ca CA file (PEM), or null.
     * @param context the TLS client context built from them.
     */
    public record Ssl(Path certificate, Path key, String password, Path ca, javax.net.ssl.SSLContext context)
    {
    }

    /** The SSL block, or null. */
    public Ssl ssl;
    /** vrrp_instance, vrrp_sync_group, vrrp_script, the track blocks, lvs_sync_daemon. */
    public VrrpConfig vrrp = VrrpConfig.none();
    /** global_defs. */
    public GlobalDefs globals = GlobalDefs.defaults();
    /** Every script the configuration names, in order, resolved by {@link ScriptSecurity} once all is read. */
    final List<Command> commands = new ArrayList<>();
    /** Warnings ("file:line: unknown keyword ..."). */
    public final List<String> warnings = new ArrayList<>();

    /** Top-level keywords of other subsystems: accepted here, read by their own parsers. */
    private static final Set<String> OTHER_TOP = Set.of(
        "global_defs", "vrrp_script", "vrrp_sync_group", "vrrp_instance", "vrrp_track_process", "static_ipaddress",
        "static_routes",
        "static_rules", "linkbeat_interfaces", "track_process", "bfd_instance",
        "garp_group", "net_namespace", "use_pid_dir", "instance", "child_wait_time");
    /** virtual_server keywords handled by the checker subsystem. */
    private static final Set<String> OTHER_VS = Set.of("ip_family");
    /** keepalived keywords jvs reads but does not act on yet: a warning says so, rather than silence. */
    private static final Set<String> NOT_ACTED = Set.of(
        "persistence_engine", "syncid", "lvs_tunnel_type", "tunnel_type",
        "rise", "fall");
    /** real_server keywords handled by the checker subsystem. */
    private static final Set<String> OTHER_RS = Set.of();
    /** Checkers keepalived has and jvs does not run yet: warned about, the server is then not checked by them. */
    private static final Set<String> UNSUPPORTED_CHECKS = Set.of(
        "BFD_CHECK");

    /** The query types keepalived's DNS_CHECK knows. */
    private static final Map<String, Integer> DNS_TYPES = new java.util.TreeMap<>(Map.of(
        "A", 1, "NS", 2, "CNAME", 5, "SOA", 6, "MX", 15, "TXT", 16, "AAAA", 28));

    private KeepalivedConfig()
    {
    }

    /**
     * Load a configuration file (and its includes).
     *
     * @param file keepalived.conf.
     * @return the model.
     * @throws ConfigException at the first error.
     */
    public static KeepalivedConfig load(final Path file) throws ConfigException
    {
        return interpret(Lexer.read(file));
    }

    /**
     * Load configuration text (tests).
     *
     * @param name file name to report.
     * @param text the text.
     * @param configId keepalived's -i: which "@ID" lines count.
     * @return the model.
     * @throws ConfigException at the first error.
     */
    public static KeepalivedConfig parse(final Path name, final String text, final String configId)
        throws ConfigException
    {
        return interpret(Lexer.read(name, text, configId));
    }

    /**
     * Load configuration text (tests).
     *
     * @param name file name to report.
     * @param text the text.
     * @return the model.
     * @throws ConfigException at the first error.
     */
    public static KeepalivedConfig parse(final Path name, final String text) throws ConfigException
    {
        return interpret(Lexer.read(name, text));
    }

    private static KeepalivedConfig interpret(final List<Statement> top) throws ConfigException
    {
        final KeepalivedConfig c = new KeepalivedConfig();
        try
        {
            return c.interpretInto(top);
        }
        catch (final ConfigException ex)
        {
            throw ex.withWarnings(c.warnings);
        }
    }

    /**
     * Warnings in the order of the file (by file, then line; stable within a line), as {@code jvs check}
     * prints them.
     *
     * @param warnings "file:line: text" lines.
     * @return them sorted.
     */
    public static List<String> inLineOrder(final List<String> warnings)
    {
        final java.util.regex.Pattern at = java.util.regex.Pattern.compile("^(.*?):(\\d+): ");
        final List<String> sorted = new ArrayList<>(warnings);
        sorted.sort(java.util.Comparator.comparing((String w) ->
        {
            final java.util.regex.Matcher m = at.matcher(w);
            return m.find() ? m.group(1) : "";
        }).thenComparingLong(w ->
        {
            final java.util.regex.Matcher m = at.matcher(w);
            return m.find() ? Long.parseLong(m.group(2)) : 0;
        }));
        return sorted;
    }

    private KeepalivedConfig interpretInto(final List<Statement> top) throws ConfigException
    {
        final KeepalivedConfig c = this;
        for (final Statement s : top)
        {
            switch (s.keyword())
            {
                case "virtual_server" -> c.virtualServer(s);
                case "virtual_server_group" -> c.group(s);
                case "jvs_fwmark_rules" -> c.markRules(s);
                case "SSL" -> c.ssl(s);
                case "static_ipaddress", "static_routes", "static_rules" -> c.warnAt(s.at(), s.keyword() +
                    " is not acted on by jvs: keepalived would add these at start; give them to the system's " +
                    "network configuration");
                default ->
                {
                    if (!OTHER_TOP.contains(s.keyword()))
                    {
                        c.warn(s, "unknown keyword '" + s.keyword() + "'");
                    }
                }
            }
        }
        c.validate();
        final VrrpReader vr = VrrpReader.read(top, c);
        ScriptSecurity.resolve(c, vr.scriptSecurity, vr.scriptUser, vr.scriptUserAt);
        c.dropDisabledChecks();
        vr.dropDisabledScripts(c);
        c.vrrp = vr.build();
        c.globals = vr.globals();
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final RealServer rs : vs.realServers)
            {
                for (final Check ch : rs.checks)
                {
                    if ("FILE_CHECK".equals(ch.type) && !c.vrrp.trackFiles().containsKey(ch.trackFile))
                    {
                        throw new ConfigException(ch.at, "FILE_CHECK names no track_file " + ch.trackFile);
                    }
                }
            }
        }
        return c;
    }

    private void ssl(final Statement s) throws ConfigException
    {
        Path cert = null;
        Path key = null;
        Path ca = null;
        String password = null;
        final Path base = null == s.at().file().getParent() ? Path.of(".") : s.at().file().getParent();
        for (final Statement k : null == s.children() ? List.<Statement>of() : s.children())
        {
            switch (k.keyword())
            {
                case "certificate" -> cert = base.resolve(word(k, 0));
                case "key" -> key = base.resolve(word(k, 0));
                case "ca" -> ca = base.resolve(word(k, 0));
                case "password" -> password = word(k, 0);
                default -> warn(k, "unknown keyword '" + k.keyword() + "' in SSL");
            }
        }
        try
        {
            ssl = new Ssl(cert, key, password, ca, TlsClient.context(cert, key, password, ca));
        }
        catch (final java.io.IOException | java.security.GeneralSecurityException ex)
        {
            throw new ConfigException(s.at(), "SSL: " + ex.getMessage());
        }
    }

    void warn(final Statement s, final String what)
    {
        warnings.add(s.at().file() + ":" + s.at().line() + ": " + what + ", ignored");
    }

    private void virtualServer(final Statement s) throws ConfigException
    {
        final VirtualServer vs = new VirtualServer();
        vs.at = s.at();
        if (!s.isBlock())
        {
            throw new ConfigException(s.at(), "virtual_server needs a { } block");
        }
        if (s.args().size() == 2 && "fwmark".equals(s.args().get(0)))
        {
            vs.fwmark = (int)number(s, 1, 1, 0xFFFFFFFFL, "firewall mark");
        }
        else if (s.args().size() == 2 && "group".equals(s.args().get(0)))
        {
            vs.group = s.args().get(1);
        }
        else if (s.args().size() == 2)
        {
            vs.vip = address(s, 0, "virtual server address");
            vs.port = (int)number(s, 1, 0, 65535, "port");
        }
        else
        {
            throw new ConfigException(s.at(), "virtual_server takes 'ADDRESS PORT', 'fwmark N' or 'group NAME'");
        }
        for (final Statement k : s.children())
        {
            if (VIRTUAL_SERVER.apply(this, vs, k))
            {
                continue;
            }
            if (NOT_ACTED.contains(k.keyword()))
            {
                warn(k, "'" + k.keyword() + "' is not acted on by jvs yet");
            }
            else if (!OTHER_VS.contains(k.keyword()))
            {
                warn(k, "unknown keyword '" + k.keyword() + "' in virtual_server " + vs.name());
            }
        }
        for (final RealServer rs : vs.realServers)
        {
            rs.alpha |= vs.alpha;
            rs.inhibitOnFailure |= vs.inhibitOnFailure;
            for (final Check ch : rs.checks)
            {
                checkDefaults(vs, rs, ch);
            }
        }
        virtualServers.add(vs);
    }

    /** virtual_server's keywords (keepalived's check_parser.c). */
    static final Keywords<KeepalivedConfig, VirtualServer> VIRTUAL_SERVER =
        new Keywords<KeepalivedConfig, VirtualServer>()
            .on((c, vs, k) -> vs.scheduler = scheduler(k), "lb_algo", "lvs_sched")
            .on((c, vs, k) -> vs.method = method(k), "lb_kind", "lvs_method")
            .on((c, vs, k) -> vs.defaultWeight = (int)number(k, 0, 1, Integer.MAX_VALUE, "virtual server weight"),
                "weight")
            .on((c, vs, k) -> vs.protocol = protocol(k), "protocol")
            .on((c, vs, k) -> vs.persistenceTimeout = k.args().isEmpty() ? 360 :
                (int)number(k, 0, 1, 2678400, "timeout"), "persistence_timeout")
            .on((c, vs, k) -> vs.persistenceNetmask = netmask(k), "persistence_granularity")
            .on((c, vs, k) -> vs.ops = true, "ops")
            // Accepted by keepalived and ignored.
            .ignore("hashed")
            .on((c, vs, k) -> vs.flags |= c.schedulerFlag(k, vs), "flag-1", "flag-2", "flag-3", "sh-port",
                "sh-fallback", "mh-port", "mh-fallback")
            // jvs's own (keepalived warns about it): mh's table the same on every director (Scheduler.FLAG_SORTED).
            .on((c, vs, k) -> vs.flags |= c.schedulerFlag(k, vs), "mh-sorted")
            .on((c, vs, k) -> vs.realServers.add(c.realServer(k, vs)), "real_server")
            .on((c, vs, k) -> vs.delayLoopMs = seconds(k), "delay_loop")
            .on((c, vs, k) -> vs.warmupMs = seconds(k), "warmup")
            .on((c, vs, k) -> vs.alpha = true, "alpha")
            .on((c, vs, k) -> vs.omega = true, "omega")
            .on((c, vs, k) -> vs.smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0)), "smtp_alert")
            .on((c, vs, k) -> vs.haSuspend = true, "ha_suspend")
            .on((c, vs, k) -> vs.inhibitOnFailure = true, "inhibit_on_failure")
            .on((c, vs, k) -> vs.connectTimeoutMs = seconds(k), "connect_timeout")
            .on((c, vs, k) -> vs.retry = (int)number(k, 0, 0, 1_000_000, k.keyword()), "retry", "nb_get_retry")
            .on((c, vs, k) -> vs.delayBeforeRetryMs = seconds(k), "delay_before_retry")
            .on((c, vs, k) -> vs.virtualhost = word(k, 0), "virtualhost")
            .on((c, vs, k) -> vs.quorum = number(k, 0, 0, 0xFFFFFFFFL, "quorum"), "quorum")
            .on((c, vs, k) -> vs.hysteresis = number(k, 0, 0, 0xFFFFFFFFL, "hysteresis"), "hysteresis")
            .on((c, vs, k) -> vs.quorumUp = c.command("quorum_up", k), "quorum_up")
            .on((c, vs, k) -> vs.quorumDown = c.command("quorum_down", k), "quorum_down")
            .on((c, vs, k) ->
            {
                vs.sorryAddr = address(k, 0, "sorry server address");
                vs.sorryPort = k.args().size() > 1 ? (int)number(k, 1, 0, 65535, "port") : 0;
            }, "sorry_server")
            .on((c, vs, k) -> vs.sorryInhibit = true, "sorry_server_inhibit")
            .on((c, vs, k) -> vs.sorryMethod = method(k), "sorry_server_lvs_method");

    private static String scheduler(final Statement k) throws ConfigException
    {
        final String name = word(k, 0);
        if (!Schedulers.NAMES.contains(name))
        {
            throw new ConfigException(k.argAt(0), "unknown scheduler '" + name + "' for " + k.keyword() +
                ": expected one of " + String.join(" ", Schedulers.NAMES));
        }
        return name;
    }

    /**
     * A check's settings from its real server's and virtual server's, and keepalived's defaults for its kind;
     * what a kind cannot run without is an error.
     */
    private void checkDefaults(final VirtualServer vs, final RealServer rs, final Check ch) throws ConfigException
    {
        final boolean http = "HTTP_GET".equals(ch.type) || "SSL_GET".equals(ch.type);
        ch.delayLoopMs = first(ch.delayLoop, rs.delayLoopMs, vs.delayLoopMs);
        ch.warmupMs = first(ch.warmup, rs.warmupMs, vs.warmupMs, 0L);
        ch.connectTimeoutMs = first(ch.connectTimeout, rs.connectTimeoutMs, vs.connectTimeoutMs, 5_000L);
        final boolean dns = "DNS_CHECK".equals(ch.type);
        // keepalived's defaults (check_api.c, check_http.c, check_dns.c, check_misc.c): retry 1 (DNS 3,
        // MISC 0); delay_before_retry 1 s (HTTP_GET and SSL_GET 3 s, DNS_CHECK its delay_loop).
        ch.retry = first(ch.retries, rs.retry, vs.retry, dns ? 3 : "MISC_CHECK".equals(ch.type) ? 0 : 1);
        ch.delayBeforeRetryMs = first(ch.delayBeforeRetry, rs.delayBeforeRetryMs, vs.delayBeforeRetryMs,
            http ? 3_000L : dns ? ch.delayLoopMs : 1_000L);
        if (null == ch.virtualhost)
        {
            ch.virtualhost = null != rs.virtualhost ? rs.virtualhost : vs.virtualhost;
        }
        if ("PING_CHECK".equals(ch.type))
        {
            // One ICMP echo by iputils' ping, run as a MISC_CHECK is: keepalived's own ICMP socket would
            // need a raw socket beside the checker's selector. Up when the echo comes back in time.
            final long waitS = Math.max(1, (ch.connectTimeoutMs + 999) / 1000);
            ch.miscPath = "ping -n -q -c 1 -W " + waitS + " " + Ipv4.toString(ch.connectIp);
            ch.misc = Command.internal("PING_CHECK", ch.miscPath);
            ch.miscTimeoutMs = waitS * 1000 + 1000;
            return;
        }
        if ("FILE_CHECK".equals(ch.type))
        {
            if (null == ch.trackFile)
            {
                throw new ConfigException(ch.at, "FILE_CHECK needs a track_file");
            }
            return;
        }
        if ("MISC_CHECK".equals(ch.type))
        {
            if (null == ch.miscPath || ch.miscPath.isBlank())
            {
                throw new ConfigException(ch.at, "MISC_CHECK needs a misc_path");
            }
            ch.misc = command("MISC_CHECK", ch.miscPath, null == ch.miscUser ? null : ch.miscUser[0],
                null == ch.miscUser ? null : ch.miscUser[1], ch.at);
            if (0 == ch.miscTimeoutMs)
            {
                ch.miscTimeoutMs = ch.delayLoopMs;
            }
            return;
        }
        if (0 == ch.connectPort)
        {
            ch.connectPort = "DNS_CHECK".equals(ch.type) ? 53 : 0 != rs.port ? rs.port : 0 != vs.port ?
                vs.port : "SMTP_CHECK".equals(ch.type) ? 25 : 0;
        }
        if (0 == ch.connectPort)
        {
            throw new ConfigException(ch.at, ch.type + " of real server " + Ipv4.toString(rs.addr) +
                " needs a connect_port: neither the real server nor the virtual server has a port");
        }
        if (http && ch.urls.isEmpty())
        {
            throw new ConfigException(ch.at, ch.type + " needs at least one url { path ... } block");
        }
    }

    private RealServer realServer(final Statement s, final VirtualServer vs) throws ConfigException
    {
        if (s.args().size() != 2 && s.args().size() != 1)
        {
            throw new ConfigException(s.at(), "real_server takes 'ADDRESS PORT'");
        }
        final RealServer rs = new RealServer();
        rs.at = s.at();
        rs.vs = vs;
        rs.addr = address(s, 0, "real server address");
        rs.port = s.args().size() == 2 ? (int)number(s, 1, 0, 65535, "port") : 0;
        if (!s.isBlock())
        {
            return rs;
        }
        for (final Statement k : s.children())
        {
            switch (k.keyword())
            {
                case "weight" -> rs.weight = (int)number(k, 0, 0, Integer.MAX_VALUE, "weight");
                case "uthreshold" -> rs.uthreshold = (int)number(k, 0, 0, Integer.MAX_VALUE, "uthreshold");
                case "lthreshold" -> rs.lthreshold = (int)number(k, 0, 0, Integer.MAX_VALUE, "lthreshold");
                case "lb_kind", "lvs_method" -> rs.method = method(k);
                case "TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK",
                    "FILE_CHECK", "PING_CHECK" ->
                    rs.checks.addAll(checks(k, rs));
                case "inhibit_on_failure" -> rs.inhibitOnFailure = true;
                case "smtp_alert" -> rs.smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0));
                case "alpha" -> rs.alpha = true;
                case "notify_up" -> rs.notifyUp = command("notify_up", k);
                case "notify_down" -> rs.notifyDown = command("notify_down", k);
                case "delay_loop" -> rs.delayLoopMs = seconds(k);
                case "warmup" -> rs.warmupMs = seconds(k);
                case "connect_timeout" -> rs.connectTimeoutMs = seconds(k);
                case "retry", "nb_get_retry" -> rs.retry = (int)number(k, 0, 0, 1_000_000, k.keyword());
                case "delay_before_retry" -> rs.delayBeforeRetryMs = seconds(k);
                case "virtualhost" -> rs.virtualhost = word(k, 0);
                case "mac" ->
                {
                    try
                    {
                        rs.mac = Ethernet.parseMac(word(k, 0));
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        throw new ConfigException(k.argAt(0), "'" + word(k, 0) + "' is not a MAC address");
                    }
                }
                default ->
                {
                    if (UNSUPPORTED_CHECKS.contains(k.keyword()))
                    {
                        warnings.add(k.at().file() + ":" + k.at().line() + ": " + k.keyword() +
                            " is not run by jvs yet; real server " + Ipv4.toString(rs.addr) + ":" + rs.port +
                            " is not checked by it");
                    }
                    else if (NOT_ACTED.contains(k.keyword()))
                    {
                        warn(k, "'" + k.keyword() + "' is not acted on by jvs yet");
                    }
                    else if (!OTHER_RS.contains(k.keyword()))
                    {
                        warn(k, "unknown keyword '" + k.keyword() + "' in real_server " + Ipv4.toString(rs.addr));
                    }
                }
            }
        }
        if (0 != rs.uthreshold && rs.lthreshold > rs.uthreshold)
        {
            throw new ConfigException(s.at(), "lthreshold " + rs.lthreshold + " is above uthreshold " + rs.uthreshold);
        }
        return rs;
    }

    private void group(final Statement s) throws ConfigException
    {
        if (s.args().size() != 1 || !s.isBlock())
        {
            throw new ConfigException(s.at(), "virtual_server_group takes a name and a { } block");
        }
        final String name = s.args().get(0);
        if (groups.containsKey(name))
        {
            throw new ConfigException(s.at(), "virtual_server_group " + name + " is defined twice");
        }
        final List<GroupMember> members = new ArrayList<>();
        for (final Statement k : s.children())
        {
            if ("fwmark".equals(k.keyword()))
            {
                final Statement asArgs = new Statement(k.keyword(), List.of("fwmark", word(k, 0)),
                    List.of(k.at(), k.argAt(0)), null, k.at());
                members.add(new GroupMember(0, 0, 0, (int)number(asArgs, 1, 1, 0xFFFFFFFFL, "firewall mark")));
                continue;
            }
            // The keyword is the address (or range a.b.c.d-e), the argument the port.
            final String a = k.keyword();
            final int dash = a.lastIndexOf('-');
            final Statement addr = new Statement(a, List.of(dash > 0 ? a.substring(0, dash) : a), List.of(k.at()),
                null, k.at());
            final int first = address(addr, 0, "group address");
            int last = first;
            if (dash > 0)
            {
                final int end = (int)number(new Statement(a, List.of(a.substring(dash + 1)), List.of(k.at()), null,
                    k.at()), 0, first & 0xFF, 255, "range end");
                last = (first & 0xFFFFFF00) | end;
            }
            if (k.args().size() != 1)
            {
                throw new ConfigException(k.at(), "a virtual_server_group entry is 'ADDRESS[-LAST] PORT' or 'fwmark N'");
            }
            members.add(new GroupMember(first, last, (int)number(k, 0, 0, 65535, "port"), 0));
        }
        groups.put(name, members);
    }

    private void markRules(final Statement s) throws ConfigException
    {
        if (!s.isBlock())
        {
            throw new ConfigException(s.at(), "jvs_fwmark_rules needs a { } block");
        }
        for (final Statement k : s.children())
        {
            // PREFIX [proto tcp|udp] [port N[-M]] mark N
            final String prefix = k.keyword();
            final int slash = prefix.indexOf('/');
            final Statement a = new Statement(prefix, List.of(slash > 0 ? prefix.substring(0, slash) : prefix),
                List.of(k.at()), null, k.at());
            final int addr = address(a, 0, "rule address");
            final int len = slash > 0 ? (int)number(new Statement(prefix, List.of(prefix.substring(slash + 1)),
                List.of(k.at()), null, k.at()), 0, 0, 32, "prefix length") : 32;
            int proto = 0;
            int low = 0;
            int high = 65535;
            int mark = 0;
            for (int i = 0; i < k.args().size(); i += 2)
            {
                if (i + 1 >= k.args().size())
                {
                    throw new ConfigException(k.argAt(i), "'" + k.args().get(i) + "' needs a value");
                }
                switch (k.args().get(i))
                {
                    case "proto" -> proto = protocolName(k, i + 1);
                    case "port" ->
                    {
                        final String p = k.args().get(i + 1);
                        final int d = p.indexOf('-');
                        final Statement ps = new Statement("port", d > 0 ? List.of(p.substring(0, d),
                            p.substring(d + 1)) : List.of(p), List.of(k.argAt(i + 1), k.argAt(i + 1)), null, k.at());
                        low = (int)number(ps, 0, 0, 65535, "port");
                        high = d > 0 ? (int)number(ps, 1, low, 65535, "port range end") : low;
                    }
                    case "mark" -> mark = (int)number(k, i + 1, 1, 0xFFFFFFFFL, "mark");
                    default -> throw new ConfigException(k.argAt(i), "expected proto, port or mark, not '" +
                        k.args().get(i) + "'");
                }
            }
            if (0 == mark)
            {
                throw new ConfigException(k.at(), "a rule needs 'mark N'");
            }
            markRules.add(new MarkRule(proto, addr & (0 == len ? 0 : -1 << (32 - len)), len, low, high, mark));
        }
    }

    /**
     * A script line as keepalived's notify_script_init reads it: the command (one word, quoted when it has
     * blanks), then an optional user and group.
     */
    Command command(final String type, final Statement k) throws ConfigException
    {
        return command(type, word(k, 0), k.args().size() > 1 ? k.args().get(1) : null,
            k.args().size() > 2 ? k.args().get(2) : null, k.at());
    }

    Command command(final String type, final String line, final String user, final String group, final Position at)
    {
        final Command c = new Command(type, line, user, group, at, false);
        commands.add(c);
        return c;
    }

    void warnAt(final Position at, final String text)
    {
        warnings.add(at.file() + ":" + at.line() + ": " + text);
    }

    /** @return whether the virtual server is a firewall mark, or a group of nothing but marks. */
    private boolean marksOnly(final VirtualServer vs)
    {
        if (null == vs.group)
        {
            return 0 != vs.fwmark;
        }
        return groups.get(vs.group).stream().allMatch(m -> 0 != m.fwmark());
    }

    /** @return whether the virtual server is by address: an address and port, or a group with addresses. */
    private boolean byAddress(final VirtualServer vs)
    {
        if (null == vs.group)
        {
            return 0 == vs.fwmark;
        }
        return groups.get(vs.group).stream().anyMatch(m -> 0 == m.fwmark());
    }

    /**
     * keepalived's {@code validate_check_config}, in its order and with its words: what a virtual server leaves
     * unset is defaulted with a warning, and what contradicts itself is corrected with a warning, so that a file
     * runs here as it runs under keepalived.
     */
    private void complete()
    {
        for (final java.util.Iterator<VirtualServer> it = virtualServers.iterator(); it.hasNext(); )
        {
            final VirtualServer vs = it.next();
            if (vs.realServers.isEmpty())
            {
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() + " has no real servers - ignoring");
                it.remove();
                continue;
            }
            final boolean anyMark = 0 != vs.fwmark || null != vs.group && groups.get(vs.group).stream()
                .anyMatch(m -> 0 != m.fwmark());
            if (vs.haSuspend && anyMark)
            {
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": cannot use ha_suspend with fwmarks - clearing ha_suspend");
                vs.haSuspend = false;
            }
            completeAddressed(vs);
            if (0 != vs.protocol && marksOnly(vs))
            {
                warnAt(vs.at, "Warning: Virtual server " + vs.keepalivedName() +
                    ": protocol specified for fwmark - protocol will be ignored");
                vs.protocol = 0;
            }
            if (null == vs.scheduler)
            {
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no scheduler set, setting default 'wlc'");
                vs.scheduler = "wlc";
            }
            removeDuplicates(vs);
            long weightSum = 0;
            for (final RealServer rs : vs.realServers)
            {
                if (rs.method < 0)
                {
                    rs.method = defaultMethod(vs);
                }
                if (rs.weight < 0)
                {
                    rs.weight = vs.defaultWeight;
                }
                weightSum += rs.weight;
            }
            if (0 != vs.sorryAddr && vs.sorryMethod < 0)
            {
                vs.sorryMethod = defaultMethod(vs);
            }
            completeQuorum(vs, weightSum);
            completePorts(vs);
        }
    }

    /** keepalived frees a MISC_CHECK whose script it disabled: the real server is then not checked by it. */
    private void dropDisabledChecks()
    {
        for (final VirtualServer vs : virtualServers)
        {
            for (final RealServer rs : vs.realServers)
            {
                rs.checks.removeIf(ch ->
                {
                    if (null != ch.misc && null != ch.misc.disabled() && "MISC_CHECK".equals(ch.type))
                    {
                        warnAt(ch.at, "Disabling misc script " + ch.miscPath + (ch.misc.disabled().contains("insecure") ?
                            " due to insecure" : " since not found/accessible"));
                        return true;
                    }
                    return false;
                });
            }
        }
    }

    /** keepalived keeps the first of two real servers with the same address and port, and says so. */
    private void removeDuplicates(final VirtualServer vs)
    {
        for (int i = 0; i < vs.realServers.size(); i++)
        {
            final RealServer rs = vs.realServers.get(i);
            for (int j = 0; j < i; j++)
            {
                final RealServer first = vs.realServers.get(j);
                if (first.addr == rs.addr && first.port == rs.port)
                {
                    warnAt(rs.at, "VS " + vs.keepalivedName() + ": real server " + rsName(rs, vs) +
                        " is duplicated - removing second rs");
                    vs.realServers.remove(i--);
                    break;
                }
            }
        }
    }

    private int defaultMethod(final VirtualServer vs)
    {
        if (vs.method < 0)
        {
            warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no forwarding method set, setting default NAT");
            vs.method = Method.NAT;
        }
        return vs.method;
    }

    /** The checks keepalived makes of a virtual server given by address (or a group with addresses). */
    private void completeAddressed(final VirtualServer vs)
    {
        if (byAddress(vs))
        {
            if (0 == vs.protocol)
            {
                // If the protocol is 0, the kernel defaults to UDP: keepalived sets it explicitly.
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no protocol set - defaulting to UDP");
                vs.protocol = 17;
            }
            if (vs.ops && 17 != vs.protocol)
            {
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": one packet scheduling requires UDP - resetting");
                vs.ops = false;
            }
            if (0 == vs.persistenceTimeout && null == vs.group && 0 == vs.fwmark && 0 == vs.port)
            {
                warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": zero port only valid for persistent services - setting");
                vs.persistenceTimeout = PERSISTENT_TIMEOUT_S;
            }
        }
        if (0 == vs.persistenceTimeout && null != vs.group &&
            groups.get(vs.group).stream().anyMatch(m -> 0 == m.fwmark() && 0 == m.port()))
        {
            warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                ": zero port only valid for persistent services - setting");
            vs.persistenceTimeout = PERSISTENT_TIMEOUT_S;
        }
    }

    private void completeQuorum(final VirtualServer vs, final long weightSum)
    {
        if (vs.quorum > weightSum)
        {
            warnAt(vs.at, "Warning - quorum " + vs.quorum + " for " + vs.keepalivedName() +
                " exceeds total weight of real servers " + weightSum + ", reducing quorum to " + weightSum);
            vs.quorum = weightSum;
        }
        if (vs.quorum > 0 && vs.hysteresis >= vs.quorum)
        {
            warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": hysteresis " + vs.hysteresis + " >= quorum " +
                vs.quorum + "; setting hysteresis to " + (vs.quorum - 1));
            vs.hysteresis = vs.quorum - 1;
        }
    }

    /**
     * Unless NAT, a real server's port is the virtual server's (DR and TUN do not rewrite it), and with a
     * firewall mark it is none; NAT real servers without a port take the virtual server's.
     */
    private void completePorts(final VirtualServer vs)
    {
        final String v = vs.keepalivedName();
        if (null != vs.group)
        {
            final List<GroupMember> members = groups.get(vs.group);
            for (final RealServer rs : vs.realServers)
            {
                if (Method.NAT == rs.method || 0 == rs.port)
                {
                    continue;
                }
                if (members.stream().anyMatch(m -> 0 != m.fwmark()))
                {
                    warnAt(rs.at, "WARNING - fwmark virtual server " + v + ", real server " + rsName(rs, vs) +
                        " has port specified - port will be ignored");
                }
                for (final GroupMember m : members)
                {
                    if (0 == m.fwmark() && m.port() != rs.port)
                    {
                        warnAt(rs.at, "virtual server " + v + ":[" + memberName(m) + "] and real server " +
                            rsName(rs, vs) + " ports don't match");
                    }
                }
            }
            return;
        }
        for (final RealServer rs : vs.realServers)
        {
            if (Method.NAT == rs.method)
            {
                if (0 == vs.fwmark && 0 == rs.port)
                {
                    rs.port = vs.port;
                }
            }
            else if (0 != vs.fwmark)
            {
                if (0 != rs.port)
                {
                    warnAt(rs.at, "WARNING - fwmark virtual server " + v + ", real server " + rsName(rs, vs) +
                        " has port specified - clearing");
                    rs.port = 0;
                }
            }
            else if (0 == rs.port)
            {
                rs.port = vs.port;
            }
            else if (rs.port != vs.port)
            {
                warnAt(rs.at, "WARNING - virtual server " + v + " and real server " + rsName(rs, vs) +
                    " ports don't match - resetting");
                rs.port = vs.port;
            }
        }
        if (0 != vs.sorryAddr && Method.NAT != vs.sorryMethod)
        {
            if (0 != vs.fwmark)
            {
                if (0 != vs.sorryPort)
                {
                    warnAt(vs.at, "WARNING - virtual server " + v + ", sorry server has port specified - clearing");
                    vs.sorryPort = 0;
                }
            }
            else if (0 == vs.sorryPort)
            {
                vs.sorryPort = vs.port;
            }
            else if (vs.sorryPort != vs.port)
            {
                warnAt(vs.at, "WARNING - virtual server " + v + " and sorry server ports don't match - resetting");
                vs.sorryPort = vs.port;
            }
        }
    }

    /** keepalived's FMT_RS: "[ADDR]:PROTO:PORT". */
    private static String rsName(final RealServer rs, final VirtualServer vs)
    {
        return "[" + Ipv4.toString(rs.addr) + "]:" + protocolName(vs.protocol) + ":" + rs.port;
    }

    /** keepalived's format_vsge: "ADDR,PORT", "FIRST-LAST,PORT" or "FWM N". */
    private static String memberName(final GroupMember m)
    {
        if (0 != m.fwmark())
        {
            return "FWM " + m.fwmark();
        }
        return Ipv4.toString(m.first()) + (m.first() != m.last() ? "-" + Ipv4.toString(m.last()) : "") + "," +
            m.port();
    }

    private void validate() throws ConfigException
    {
        for (final VirtualServer vs : virtualServers)
        {
            if (null != vs.group && !groups.containsKey(vs.group))
            {
                throw new ConfigException(vs.at, "virtual_server group " + vs.group +
                    " names no virtual_server_group");
            }
        }
        complete();
        for (int i = 0; i < virtualServers.size(); i++)
        {
            for (int j = 0; j < i; j++)
            {
                final VirtualServer a = virtualServers.get(i);
                final VirtualServer b = virtualServers.get(j);
                if (a.vip == b.vip && a.port == b.port && a.fwmark == b.fwmark && a.protocol == b.protocol &&
                    java.util.Objects.equals(a.group, b.group))
                {
                    throw new ConfigException(a.at, "virtual_server " + a.name() + " is already defined at line " +
                        b.at.line());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    static String word(final Statement s, final int i) throws ConfigException
    {
        if (i >= s.args().size())
        {
            throw new ConfigException(s.at(), s.keyword() + " needs a value");
        }
        return s.args().get(i);
    }

    @SafeVarargs
    private static <T> T first(final T... values)
    {
        for (final T v : values)
        {
            if (null != v)
            {
                return v;
            }
        }
        return null;
    }

    /** A duration in seconds, with decimals as keepalived accepts them, in milliseconds. */
    /** keepalived's HEX_STR: hex digits, spaces and separators ignored. */
    private static byte[] hex(final Statement s, final String text) throws ConfigException
    {
        final String h = text.replaceAll("[^0-9A-Fa-f]", "");
        if (0 != h.length() % 2)
        {
            throw new ConfigException(s.argAt(0), s.keyword() + " '" + text + "' is not an even number of hex digits");
        }
        return java.util.HexFormat.of().parseHex(h);
    }

    static long seconds(final Statement s) throws ConfigException
    {
        final String w = word(s, 0);
        final double v;
        try
        {
            v = Double.parseDouble(w);
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(s.argAt(0), s.keyword() + " '" + w + "' is not a number of seconds");
        }
        if (!(v >= 0 && v <= 86400 * 365))
        {
            throw new ConfigException(s.argAt(0), s.keyword() + " " + w + " is out of range: 0..31536000 seconds");
        }
        return Math.round(v * 1000);
    }

    /**
     * A checker block: one check, or for an SMTP_CHECK with keepalived's legacy {@code host} blocks, one check
     * per host, each with the block's options and its own connect_ip, connect_port, bindto...
     */
    private List<Check> checks(final Statement s, final RealServer rs) throws ConfigException
    {
        final Check ch = new Check();
        ch.at = s.at();
        ch.type = s.keyword();
        ch.connectIp = rs.addr;
        if (!s.isBlock())
        {
            return List.of(ch);
        }
        final List<Statement> hosts = new ArrayList<>();
        for (final Statement k : s.children())
        {
            if ("host".equals(k.keyword()) && "SMTP_CHECK".equals(ch.type) && k.isBlock())
            {
                hosts.add(k);
            }
            else
            {
                option(ch, k);
            }
        }
        if (hosts.isEmpty())
        {
            return List.of(ch);
        }
        final List<Check> out = new ArrayList<>();
        for (final Statement h : hosts)
        {
            final Check one = ch.copy();
            one.at = h.at();
            for (final Statement k : h.children())
            {
                option(one, k);
            }
            out.add(one);
        }
        return out;
    }

    private void option(final Check ch, final Statement k) throws ConfigException
    {
        switch (k.keyword())
        {
            case "connect_ip" -> ch.connectIp = address(k, 0, "connect_ip");
            case "connect_port" -> ch.connectPort = (int)number(k, 0, 1, 65535, "connect_port");
            case "bindto" -> ch.bindIp = address(k, 0, "bindto");
            case "bind_port" -> ch.bindPort = (int)number(k, 0, 1, 65535, "bind_port");
            case "connect_timeout" -> ch.connectTimeout = seconds(k);
            case "delay_loop" -> ch.delayLoop = seconds(k);
            case "retry", "nb_get_retry" -> ch.retries = (int)number(k, 0, 0, 1_000_000, k.keyword());
            case "delay_before_retry" -> ch.delayBeforeRetry = seconds(k);
            case "virtualhost" -> ch.virtualhost = word(k, 0);
            case "misc_path" -> ch.miscPath = word(k, 0);
            case "helo_name" -> ch.heloName = word(k, 0);
            case "name" -> ch.dnsName = word(k, 0);
            case "type" ->
            {
                final Integer t = DNS_TYPES.get(word(k, 0).toUpperCase(java.util.Locale.ROOT));
                if (null == t)
                {
                    throw new ConfigException(k.argAt(0), "unknown DNS type '" + word(k, 0) + "': expected one of " +
                        String.join(" ", DNS_TYPES.keySet()));
                }
                ch.dnsType = t;
            }
            case "misc_timeout" -> ch.miscTimeoutMs = seconds(k);
            case "misc_dynamic" -> ch.miscDynamic = true;
            case "payload" -> ch.udpPayload = hex(k, String.join("", k.args()));
            case "track_file" -> ch.trackFile = word(k, 0);
            case "weight" ->
            {
                ch.fileWeight = (int)number(k, 0, -2147483647, 2147483647, "weight");
                ch.fileReverse = k.args().contains("reverse");
            }
            case "dynamic" -> ch.fileDynamic = true;
            case "require_reply" ->
            {
                ch.requireReply = true;
                ch.replyPrefix = k.args().isEmpty() ? null : hex(k, String.join("", k.args()));
            }
            case "min_reply_length" -> ch.minReplyLength = (int)number(k, 0, 0, 65507, "min_reply_length");
            case "max_reply_length" -> ch.maxReplyLength = (int)number(k, 0, 0, 65507, "max_reply_length");
            case "user" -> ch.miscUser = new String[] {word(k, 0), k.args().size() > 1 ? k.args().get(1) : null};
            case "warmup" -> ch.warmup = seconds(k);
            case "fwmark", "alpha" ->
            {
                // Accepted; jvs does not act on them yet.
            }
            case "url" ->
            {
                if (!"HTTP_GET".equals(ch.type) && !"SSL_GET".equals(ch.type))
                {
                    throw new ConfigException(k.at(), "url belongs in HTTP_GET or SSL_GET, not " + ch.type);
                }
                ch.urls.add(url(k));
            }
            default -> warn(k, "unknown keyword '" + k.keyword() + "' in " + ch.type);
        }
    }

    private Url url(final Statement s) throws ConfigException
    {
        String path = null;
        String digest = null;
        final java.util.Set<Integer> codes = new java.util.TreeSet<>();
        for (final Statement k : null == s.children() ? List.<Statement>of() : s.children())
        {
            switch (k.keyword())
            {
                case "path" -> path = word(k, 0);
                case "digest" ->
                {
                    digest = word(k, 0).toLowerCase(java.util.Locale.ROOT);
                    if (!digest.matches("[0-9a-f]{32}"))
                    {
                        throw new ConfigException(k.argAt(0), "digest '" + word(k, 0) +
                            "' is not an MD5 digest (32 hex digits, as genhash prints)");
                    }
                }
                case "status_code" ->
                {
                    for (int i = 0; i < k.args().size(); i++)
                    {
                        final String w = k.args().get(i);
                        final int dash = w.indexOf('-');
                        final Statement one = new Statement(k.keyword(), List.of(dash > 0 ? w.substring(0, dash) : w,
                            dash > 0 ? w.substring(dash + 1) : w), List.of(k.argAt(i), k.argAt(i)), null, k.at());
                        final int lo = (int)number(one, 0, 100, 599, "status_code");
                        final int hi = (int)number(one, 1, lo, 599, "status_code");
                        for (int c = lo; c <= hi; c++)
                        {
                            codes.add(c);
                        }
                    }
                }
                default -> warn(k, "unknown keyword '" + k.keyword() + "' in url");
            }
        }
        if (null == path)
        {
            throw new ConfigException(s.at(), "url needs a path");
        }
        return new Url(path, codes, digest);
    }

    static long number(final Statement s, final int i, final long min, final long max, final String what)
        throws ConfigException
    {
        final String w = word(s, i);
        final long v;
        try
        {
            v = w.startsWith("0x") || w.startsWith("0X") ? Long.parseLong(w.substring(2), 16) : Long.parseLong(w);
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(s.argAt(i), what + " '" + w + "' is not a number");
        }
        if (v < min || v > max)
        {
            throw new ConfigException(s.argAt(i), what + " " + v + " is out of range: it must be " + min + ".." + max);
        }
        return v;
    }

    static int address(final Statement s, final int i, final String what) throws ConfigException
    {
        final String w = word(s, i);
        if (w.indexOf(':') >= 0)
        {
            throw new ConfigException(s.argAt(i), "IPv6 " + what + " " + w + " is not supported yet");
        }
        try
        {
            return Ipv4.parse(w);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(s.argAt(i), "'" + w + "' is not an IPv4 address (" + what + ")");
        }
    }

    private static int netmask(final Statement s) throws ConfigException
    {
        final String w = word(s, 0);
        if (w.chars().allMatch(Character::isDigit))
        {
            final int len = (int)number(s, 0, 0, 32, "persistence_granularity prefix length");
            return 0 == len ? 0 : -1 << (32 - len);
        }
        final int m = address(s, 0, "netmask");
        if (0 != (~m & (~m + 1)))
        {
            throw new ConfigException(s.argAt(0), "'" + w + "' is not a contiguous netmask");
        }
        return m;
    }

    /**
     * keepalived's {@code svr_forwarding_handler}: NAT, DR or TUN, case-sensitive. keepalived warns about any
     * other word and runs the server as NAT; jvs refuses it, so that {@code lb_kind dr} is not silently NAT.
     * TUN may be followed by {@code type ipip} (the only tunnel jvs builds) and a checksum option.
     */
    private static int method(final Statement s) throws ConfigException
    {
        final String w = word(s, 0);
        final int m = switch (w)
        {
            case "NAT" -> Method.NAT;
            case "DR" -> Method.DR;
            case "TUN" -> Method.TUN;
            default -> throw new ConfigException(s.argAt(0), "unknown " + s.keyword() + " '" + w +
                "': expected NAT, DR or TUN (case-sensitive; keepalived would warn and run it as NAT)");
        };
        for (int i = 1; i < s.args().size(); i++)
        {
            final String a = s.args().get(i);
            if ("type".equals(a) && i + 1 < s.args().size())
            {
                if (!"ipip".equals(s.args().get(i + 1)))
                {
                    throw new ConfigException(s.argAt(i + 1), "tunnel type '" + s.args().get(i + 1) +
                        "' is not supported by jvs: only ipip");
                }
                i++;
            }
            else if (!"nocsum".equals(a) && !"csum".equals(a) && !"remcsum".equals(a))
            {
                throw new ConfigException(s.argAt(i), "unexpected '" + a + "' after " + s.keyword() + " " + w);
            }
        }
        return m;
    }

    private static int protocol(final Statement s) throws ConfigException
    {
        return protocolName(s, 0);
    }

    /** keepalived's {@code proto_handler}: TCP, UDP (or SCTP, which jvs does not forward), in any case. */
    private static int protocolName(final Statement s, final int i) throws ConfigException
    {
        return switch (word(s, i).toUpperCase(Locale.ROOT))
        {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "SCTP" -> throw new ConfigException(s.argAt(i), "protocol SCTP is not supported by jvs");
            default -> throw new ConfigException(s.argAt(i), "unknown protocol '" + word(s, i) +
                "': expected TCP or UDP (keepalived would ignore it and default to UDP)");
        };
    }

    /**
     * keepalived's {@code lbflags_handler}: flag-N always; sh-* only once lb_algo is sh and mh-* once it is mh
     * (the order of the lines matters, as there), otherwise warned about and ignored.
     */
    private int schedulerFlag(final Statement k, final VirtualServer vs)
    {
        final String f = k.keyword();
        if (f.startsWith("flag-") || f.startsWith("sh-") && "sh".equals(vs.scheduler) ||
            f.startsWith("mh-") && "mh".equals(vs.scheduler))
        {
            return Schedulers.parseFlags(f);
        }
        if (!"sh".equals(vs.scheduler) && !"mh".equals(vs.scheduler))
        {
            warnAt(k.at(), f + " only applies to sh scheduler - ignoring");
        }
        return 0;
    }

    /** @param protocol 6, 17 or 0. @return "tcp", "udp" or "none", as keepalived's inet_sockaddrtotrio. */
    static String protocolName(final int protocol)
    {
        return 6 == protocol ? "tcp" : 17 == protocol ? "udp" : "none";
    }
}

package dev.jvs.director.config;

import dev.jvs.engine.frame.Ipv4;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** UDP_CHECK's datagram without {@code payload}: one array for every check (never written to). */
    private static final byte[] UDP_FILLER =
        "jvs UDP_CHECK filler datagram..".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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
        public byte[] udpPayload = UDP_FILLER;
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
     * keepalived's top-level {@code SSL} block for SSL_GET: where the material is. Checked when the file is
     * read (a bad key is refused with its position); the checker builds its TLS context from it.
     *
     * @param certificate client certificate (PEM), or null.
     * @param key its key (PEM), or null (then in the certificate file).
     * @param password the key's password, or null.
     * @param ca CA file (PEM), or null.
     */
    public record Ssl(Path certificate, Path key, String password, Path ca)
    {
        /**
         * @return the TLS client context of this material.
         * @throws java.io.IOException when a file cannot be read or holds no usable PEM.
         * @throws java.security.GeneralSecurityException when the key or a certificate cannot be decoded.
         */
        public javax.net.ssl.SSLContext context() throws java.io.IOException, java.security.GeneralSecurityException
        {
            return TlsClient.context(certificate, key, password, ca);
        }
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
        final VirtualServerReader vsr = new VirtualServerReader(c);
        for (final Statement s : top)
        {
            switch (s.keyword())
            {
                case "virtual_server" -> vsr.virtualServer(s);
                case "virtual_server_group" -> vsr.group(s);
                case "jvs_fwmark_rules" -> vsr.markRules(s);
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
        final VirtualServerRules rules = new VirtualServerRules(c);
        rules.validate();
        final VrrpReader vr = VrrpReader.read(top, c);
        ScriptSecurity.resolve(c, vr.global.scriptSecurity, vr.global.scriptUser, vr.global.scriptUserAt);
        rules.dropDisabledChecks();
        vr.dropDisabledScripts(c);
        c.vrrp = vr.build();
        c.globals = vr.global.build();
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
            // Decoded here only to refuse a bad file with its position.
            new Ssl(cert, key, password, ca).context();
            ssl = new Ssl(cert, key, password, ca);
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

    // ------------------------------------------------------------------------------------------------ values

    static String word(final Statement s, final int i) throws ConfigException
    {
        if (i >= s.args().size())
        {
            throw new ConfigException(s.at(), s.keyword() + " needs a value");
        }
        return s.args().get(i);
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

    /** @param protocol 6, 17 or 0. @return "tcp", "udp" or "none", as keepalived's inet_sockaddrtotrio. */
    static String protocolName(final int protocol)
    {
        return 6 == protocol ? "tcp" : 17 == protocol ? "udp" : "none";
    }
}

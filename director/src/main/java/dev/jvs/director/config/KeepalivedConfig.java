package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;
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

    /** One URL of an HTTP_GET: path, accepted status codes (empty: 200-299), MD5 digest of the body. */
    public record Url(String path, java.util.Set<Integer> statusCodes, String digest)
    {
    }

    /** UDP_CHECK's datagram without {@code payload}: one array for every check (never written to). */
    static final byte[] UDP_FILLER =
        "jvs UDP_CHECK filler datagram..".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * One member of a virtual_server_group: an address range (IPv6: the last group varies) and port, or a mark
     * (addresses null) with its family ({@code fwmark N inet6}).
     */
    public record GroupMember(IpAddress first, IpAddress last, int port, int fwmark, boolean ipv6)
    {
    }

    /**
     * A firewall-mark rule ({@code jvs_fwmark_rules}): PREFIX [proto tcp|udp] [port N[-M]] mark N, IPv4 or
     * IPv6.
     *
     * @param protocol IP protocol, 0 for any.
     * @param addr the prefix's address (cut to it by the engine's rule).
     * @param prefix its length.
     * @param portLow first destination port.
     * @param portHigh last destination port.
     * @param mark the mark.
     */
    public record MarkRule(int protocol, IpAddress addr, int prefix, int portLow, int portHigh, int mark)
    {
        /** @param services where the rule goes, as an IPv4 or an IPv6 one. */
        void addTo(final dev.jvs.engine.service.ServiceTable services)
        {
            if (addr.v6())
            {
                services.addRule6(new dev.jvs.engine.service.FwmarkRule6(protocol, addr, prefix, portLow, portHigh,
                    mark));
            }
            else
            {
                services.addRule(new dev.jvs.engine.service.FwmarkRule(protocol,
                    addr.v4() & (0 == prefix ? 0 : -1 << (32 - prefix)), prefix, portLow, portHigh, mark));
            }
        }
    }

    /** keepalived's {@code IPVS_SVC_PERSISTENT_TIMEOUT}: what a zero-port service is made persistent for. */
    static final int PERSISTENT_TIMEOUT_S = 6 * 60;

    /** Virtual servers in declaration order (immutable once read). */
    public List<VirtualServer> virtualServers = List.of();
    /** The virtual servers while the file is read and completed. */
    final List<VirtualServerDraft> drafts = new ArrayList<>();
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
        for (final VirtualServerDraft vs : c.drafts)
        {
            for (final RealServerDraft rs : vs.realServers)
            {
                for (final CheckDraft ch : rs.checks)
                {
                    if ("FILE_CHECK".equals(ch.type) && !c.vrrp.trackFiles().containsKey(ch.trackFile))
                    {
                        throw new ConfigException(ch.at, "FILE_CHECK names no track_file " + ch.trackFile);
                    }
                }
            }
        }
        c.virtualServers = c.drafts.stream().map(VirtualServer::new).toList();
        c.drafts.clear();
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

    /** An IPv4 or IPv6 address, where keepalived takes either (the family follows the text, as inet_stosockaddr). */
    static IpAddress ipAddress(final Statement s, final int i, final String what) throws ConfigException
    {
        final String w = word(s, i);
        try
        {
            return IpAddress.parse(w);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(s.argAt(i), "'" + w + "' is not an IPv" + (w.indexOf(':') < 0 ? "4" : "6") +
                " address (" + what + ")");
        }
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

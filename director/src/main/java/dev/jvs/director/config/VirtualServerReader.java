package dev.jvs.director.config;

import dev.jvs.director.config.KeepalivedConfig.GroupMember;
import dev.jvs.director.config.KeepalivedConfig.MarkRule;
import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.schedulers.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static dev.jvs.director.config.KeepalivedConfig.address;
import static dev.jvs.director.config.KeepalivedConfig.ipAddress;
import static dev.jvs.director.config.KeepalivedConfig.number;
import static dev.jvs.director.config.KeepalivedConfig.seconds;
import static dev.jvs.director.config.KeepalivedConfig.word;

/**
 * Reads {@code virtual_server} (by address and port, {@code fwmark N} or {@code group NAME}) with its
 * {@code real_server}s (keepalived's check_parser.c), {@code virtual_server_group} and jvs's
 * {@code jvs_fwmark_rules} into the {@link KeepalivedConfig} being built; the checkers' blocks are read by
 * {@link CheckReader}.
 */
final class VirtualServerReader
{
    private final KeepalivedConfig c;

    VirtualServerReader(final KeepalivedConfig c)
    {
        this.c = c;
    }

    void virtualServer(final Statement s) throws ConfigException
    {
        final VirtualServerDraft vs = new VirtualServerDraft();
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
            vs.vip = ipAddress(s, 0, "virtual server address");
            vs.family = vs.vip.v6() ? 6 : 4;
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
                c.warn(k, "'" + k.keyword() + "' is not acted on by jvs yet");
            }
            else if (!OTHER_VS.contains(k.keyword()))
            {
                c.warn(k, "unknown keyword '" + k.keyword() + "' in virtual_server " + vs.name());
            }
        }
        for (final RealServerDraft rs : vs.realServers)
        {
            rs.alpha |= vs.alpha;
            rs.inhibitOnFailure |= vs.inhibitOnFailure;
            for (final CheckDraft ch : rs.checks)
            {
                checkDefaults(vs, rs, ch);
            }
        }
        c.drafts.add(vs);
    }

    /** virtual_server's keywords (keepalived's check_parser.c). */
    static final Keywords<VirtualServerReader, VirtualServerDraft> VIRTUAL_SERVER =
        new Keywords<VirtualServerReader, VirtualServerDraft>()
            .on((c, vs, k) -> vs.scheduler = scheduler(k), "lb_algo", "lvs_sched")
            .on((c, vs, k) -> vs.method = method(k), "lb_kind", "lvs_method")
            .on((c, vs, k) -> vs.defaultWeight = (int)number(k, 0, 1, Integer.MAX_VALUE, "virtual server weight"),
                "weight")
            .on((c, vs, k) -> vs.protocol = protocol(k), "protocol")
            .on((c, vs, k) -> vs.persistenceTimeout = k.args().isEmpty() ? 360 :
                (int)number(k, 0, 1, 2678400, "timeout"), "persistence_timeout")
            .on((c, vs, k) -> vs.persistenceNetmask = netmask(k, vs), "persistence_granularity")
            .on((c, vs, k) -> vs.ops = true, "ops")
            .on(VirtualServerReader::family, "ip_family")
            // Accepted by keepalived and ignored.
            .ignore("hashed")
            .on((c, vs, k) -> vs.flags |= c.schedulerFlag(k, vs), "flag-1", "flag-2", "flag-3", "sh-port",
                "sh-fallback", "mh-port", "mh-fallback")
            // jvs's own (keepalived warns about it): mh's table the same on every director (Scheduler.FLAG_SORTED).
            .on((c, vs, k) -> vs.flags |= c.schedulerFlag(k, vs), "mh-sorted")
            .on((c, vs, k) -> c.addRealServer(vs, c.realServer(k, vs)), "real_server")
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
                vs.sorryAddr = ipAddress(k, 0, "sorry server address");
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
    private void checkDefaults(final VirtualServerDraft vs, final RealServerDraft rs, final CheckDraft ch) throws ConfigException
    {
        final boolean http = "HTTP_GET".equals(ch.type) || "SSL_GET".equals(ch.type);
        ch.delayLoopMs = first(ch.delayLoop, rs.delayLoopMs, null, vs.delayLoopMs);
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
            ch.miscPath = "ping -n -q -c 1 -W " + waitS + " " + ch.connectIp;
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
            ch.misc = c.command("MISC_CHECK", ch.miscPath, null == ch.miscUser ? null : ch.miscUser[0],
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
            throw new ConfigException(ch.at, ch.type + " of real server " + rs.addr +
                " needs a connect_port: neither the real server nor the virtual server has a port");
        }
        if (http && ch.urls.isEmpty())
        {
            throw new ConfigException(ch.at, ch.type + " needs at least one url { path ... } block");
        }
    }

    /**
     * keepalived's rs_end_handler: the first real server gives a service its family if nothing else did; one of
     * the other family is skipped with keepalived's words, unless it is tunnelled (IPVS_DEST_ATTR_ADDR_FAMILY
     * lets an IPv6 service tunnel to IPv4 servers and back).
     */
    private void addRealServer(final VirtualServerDraft vs, final RealServerDraft rs)
    {
        final int af = rs.addr.v6() ? 6 : 4;
        if (Method.TUN != (rs.method >= 0 ? rs.method : vs.method))
        {
            if (0 == vs.family)
            {
                vs.family = af;
            }
            else if (vs.family != af)
            {
                c.warnAt(rs.at, "Address family of virtual server and real server " + rs.addr +
                    " don't match - skipping real server.");
                return;
            }
        }
        vs.realServers.add(rs);
    }

    private RealServerDraft realServer(final Statement s, final VirtualServerDraft vs) throws ConfigException
    {
        if (s.args().size() != 2 && s.args().size() != 1)
        {
            throw new ConfigException(s.at(), "real_server takes 'ADDRESS PORT'");
        }
        final RealServerDraft rs = new RealServerDraft();
        rs.at = s.at();
        rs.vs = vs;
        rs.addr = ipAddress(s, 0, "real server address");
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
                    rs.checks.addAll(new CheckReader(c).checks(k, rs));
                case "inhibit_on_failure" -> rs.inhibitOnFailure = true;
                case "smtp_alert" -> rs.smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0));
                case "alpha" -> rs.alpha = true;
                case "notify_up" -> rs.notifyUp = c.command("notify_up", k);
                case "notify_down" -> rs.notifyDown = c.command("notify_down", k);
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
                    if (CheckReader.UNSUPPORTED_CHECKS.contains(k.keyword()))
                    {
                        c.warnings.add(k.at().file() + ":" + k.at().line() + ": " + k.keyword() +
                            " is not run by jvs yet; real server " + rs.addr.withPort(rs.port) +
                            " is not checked by it");
                    }
                    else if (NOT_ACTED.contains(k.keyword()))
                    {
                        c.warn(k, "'" + k.keyword() + "' is not acted on by jvs yet");
                    }
                    else if (!OTHER_RS.contains(k.keyword()))
                    {
                        c.warn(k, "unknown keyword '" + k.keyword() + "' in real_server " + rs.addr);
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

    void group(final Statement s) throws ConfigException
    {
        if (s.args().size() != 1 || !s.isBlock())
        {
            throw new ConfigException(s.at(), "virtual_server_group takes a name and a { } block");
        }
        final String name = s.args().get(0);
        if (c.groups.containsKey(name))
        {
            throw new ConfigException(s.at(), "virtual_server_group " + name + " is defined twice");
        }
        final List<GroupMember> members = new ArrayList<>();
        for (final Statement k : s.children())
        {
            if ("fwmark".equals(k.keyword()))
            {
                members.add(groupMark(k));
                continue;
            }
            // The keyword is the address (or range: a.b.c.d-e, decimal; x::y-z, hex, the last group), the argument
            // the port, as keepalived's inet_stor.
            final String a = k.keyword();
            final int dash = a.lastIndexOf('-');
            final Statement addr = new Statement(a, List.of(dash > 0 ? a.substring(0, dash) : a), List.of(k.at()),
                null, k.at());
            final IpAddress first = ipAddress(addr, 0, "group address");
            IpAddress last = first;
            if (dash > 0)
            {
                last = rangeEnd(k, first, a.substring(dash + 1));
            }
            if (k.args().size() != 1)
            {
                throw new ConfigException(k.at(), "a virtual_server_group entry is 'ADDRESS[-LAST] PORT' or 'fwmark N'");
            }
            members.add(new GroupMember(first, last, (int)number(k, 0, 0, 65535, "port"), 0, first.v6()));
        }
        c.groups.put(name, members);
    }

    /** fwmark N [inet|inet6] in a group; without a family (keepalived's AF_UNSPEC) the virtual server's. */
    private static GroupMember groupMark(final Statement k) throws ConfigException
    {
        final Statement asArgs = new Statement(k.keyword(), List.of("fwmark", word(k, 0)), List.of(k.at(), k.argAt(0)),
            null, k.at());
        final int mark = (int)number(asArgs, 1, 1, 0xFFFFFFFFL, "firewall mark");
        final String family = k.args().size() > 1 ? k.args().get(1) : "inet";
        if (!"inet".equals(family) && !"inet6".equals(family))
        {
            throw new ConfigException(k.argAt(1), "fwmark '" + mark + "' family " + family + " unknown");
        }
        return new GroupMember(null, null, 0, mark, "inet6".equals(family));
    }

    /** The end of a range: the last byte of an IPv4 address (decimal), the last group of an IPv6 one (hex). */
    private static IpAddress rangeEnd(final Statement k, final IpAddress first, final String end)
        throws ConfigException
    {
        final int radix = first.v6() ? 16 : 10;
        final int low = first.v6() ? first.group(7) : first.v4() & 0xFF;
        final int max = first.v6() ? 0xFFFF : 255;
        final int v;
        try
        {
            v = Integer.parseInt(end, radix);
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(k.at(), "range end '" + end + "' is not a number");
        }
        if (v < low || v > max)
        {
            throw new ConfigException(k.at(), "range end " + end + " is out of range: it must be " +
                Integer.toString(low, radix) + ".." + Integer.toString(max, radix));
        }
        return first.v6() ? first.withLast16(v) : IpAddress.ofV4(first.v4() & 0xFFFFFF00 | v);
    }

    void markRules(final Statement s) throws ConfigException
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
            final IpAddress addr = KeepalivedConfig.ipAddress(a, 0, "rule address");
            final int bits = addr.v6() ? 128 : 32;
            final int len = slash > 0 ? (int)number(new Statement(prefix, List.of(prefix.substring(slash + 1)),
                List.of(k.at()), null, k.at()), 0, 0, bits, "prefix length") : bits;
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
            c.markRules.add(new MarkRule(proto, addr, len, low, high, mark));
        }
    }

    /**
     * keepalived's {@code lbflags_handler}: flag-N always; sh-* only once lb_algo is sh and mh-* once it is mh
     * (the order of the lines matters, as there), otherwise warned about and ignored.
     */
    private int schedulerFlag(final Statement k, final VirtualServerDraft vs)
    {
        final String f = k.keyword();
        if (f.startsWith("flag-") || f.startsWith("sh-") && "sh".equals(vs.scheduler) ||
            f.startsWith("mh-") && "mh".equals(vs.scheduler))
        {
            return Schedulers.parseFlags(f);
        }
        if (!"sh".equals(vs.scheduler) && !"mh".equals(vs.scheduler))
        {
            c.warnAt(k.at(), f + " only applies to sh scheduler - ignoring");
        }
        return 0;
    }

    /** keepalived's ip_family_handler: inet or inet6, which must agree with the family the address gave. */
    private void family(final VirtualServerDraft vs, final Statement k) throws ConfigException
    {
        final String w = word(k, 0);
        final int af = "inet".equals(w) ? 4 : "inet6".equals(w) ? 6 : 0;
        if (0 == af)
        {
            throw new ConfigException(k.argAt(0), "unknown address family " + w);
        }
        if (0 != vs.family && af != vs.family)
        {
            throw new ConfigException(k.argAt(0), "Virtual server specified family " + w +
                " conflicts with server family");
        }
        vs.family = af;
    }

    /**
     * keepalived's pgr_handler: for an IPv6 service (or, before the family is known, a value without a dot) a
     * prefix length 1..128, kept as the kernel keeps it, in the netmask's place; for IPv4 a netmask (or jvs's
     * prefix length). Either sets the family if it was not known, and a persistence timeout of 360 s if none
     * was set before it.
     */
    private static int netmask(final Statement s, final VirtualServerDraft vs) throws ConfigException
    {
        final String w = word(s, 0);
        // As keepalived: with no family yet, a value without a dot is an IPv6 prefix length.
        final boolean v6 = 0 == vs.family ? w.indexOf('.') < 0 : 6 == vs.family;
        if (0 == vs.persistenceTimeout)
        {
            vs.persistenceTimeout = 360;
        }
        if (v6)
        {
            vs.family = 6;
            return (int)number(s, 0, 1, 128, "IPv6 persistence_granularity");
        }
        if (0 == vs.family)
        {
            vs.family = 4;
        }
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

    /** The check's setting, else its real server's, else its virtual server's, else the default. */
    private static long first(final Long check, final Long rs, final Long vs, final long otherwise)
    {
        return null != check ? check : null != rs ? rs : null != vs ? vs : otherwise;
    }

    /** See {@link #first(Long, Long, Long, long)}. */
    private static int first(final Integer check, final Integer rs, final Integer vs, final int otherwise)
    {
        return null != check ? check : null != rs ? rs : null != vs ? vs : otherwise;
    }

    /** virtual_server keywords handled by the checker subsystem. */
    private static final Set<String> OTHER_VS = Set.of();

    /** keepalived keywords jvs reads but does not act on yet: a warning says so, rather than silence. */
    private static final Set<String> NOT_ACTED = Set.of(
        "persistence_engine", "syncid", "lvs_tunnel_type", "tunnel_type",
        "rise", "fall");

    /** real_server keywords handled by the checker subsystem. */
    private static final Set<String> OTHER_RS = Set.of();

    private Command command(final String type, final Statement k) throws ConfigException
    {
        return c.command(type, k);
    }
}

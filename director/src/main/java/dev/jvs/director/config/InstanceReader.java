package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.vrrp.InstanceConfig;
import dev.jvs.vrrp.VrrpPacket;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code vrrp_instance} as it is read (keepalived's vrrp_parser.c keywords), then completed as keepalived's
 * {@code vrrp_complete_instance} does once the whole file is known, and made into an immutable
 * {@link VrrpConfig.Instance}.
 */
final class InstanceReader
{
    /** Where it is declared. */
    Position at;
    /** For the state machine. */
    final InstanceConfig.Builder cfg = new InstanceConfig.Builder();
    /** notify_master, notify_backup, notify_fault, notify_stop, notify (null: none). */
    Command notifyMaster;
    /** See {@link #notifyMaster}. */
    Command notifyBackup;
    /** See {@link #notifyMaster}. */
    Command notifyFault;
    /** See {@link #notifyMaster}. */
    Command notifyStop;
    /** Called with "INSTANCE" name state priority. */
    Command notify;
    /** track_interface: interface to weight (0: FAULT when down). */
    final Map<String, Integer> trackInterfaces = new LinkedHashMap<>();
    /** track_script: script name to weight override (null: the script's own). */
    final Map<String, Integer> trackScripts = new LinkedHashMap<>();
    /** smtp_alert: mail on this instance's transitions. */
    boolean smtpAlert;
    /** track_file: file name to weight override (null: the file's own). */
    final Map<String, VrrpConfig.Tracked> trackFilesUsed = new LinkedHashMap<>();
    /** track_process: name to weight override (null: the process block's own). */
    final Map<String, VrrpConfig.Tracked> trackProcessesUsed = new LinkedHashMap<>();
    /** Where each tracked script is named, for errors. */
    final Map<String, Position> trackScriptAt = new LinkedHashMap<>();
    /** strict_mode (or global vrrp_strict): RFC conformance keepalived enforces by changing the config. */
    boolean strict;
    /** Whether priority and state were written (keepalived derives each from the other). */
    boolean prioritySet;
    boolean stateSet;
    /** Set by keywords, resolved against the globals and strict mode by {@code complete}. */
    Boolean lowerPrioNoAdvert;
    Boolean higherPrioSendAdvert;
    Integer garpLowerPrioRepeat;
    /** The authentication block and advert_int as written, completed once the whole file is read. */
    Statement auth;
    long advertMs = 1_000;
    final List<Statement> vipLines = new ArrayList<>();
    /** virtual_ipaddress's {@code dev}: the interface an address lives on, when not the instance's. */
    final Map<IpAddress, String> devices = new LinkedHashMap<>();
    /** While the block is read: virtual_ipaddress, virtual_ipaddress_excluded (either family), unicast_peer. */
    final List<IpAddress> addressList = new ArrayList<>();
    final List<IpAddress> excludedList = new ArrayList<>();
    final List<IpAddress> peerList = new ArrayList<>();
    /** unicast_src_ip / mcast_src_ip, or null. */
    IpAddress source;
    /**
     * The instance's family, null until the first address, unicast_src_ip, unicast_peer or native_ipv6 says
     * (keepalived's {@code vrrp->family}: what comes first decides, the other family is skipped after).
     */
    Boolean ipv6;
    /** The version keyword's value, or null (an IPv6 instance is VRRPv3 unless told otherwise). */
    Integer version;

    /** What a vrrp_instance keyword works in: the VRRP part being read and the file it is part of. */
    private record Reading(VrrpReader vrrp, KeepalivedConfig kc)
    {
    }

    /** vrrp_instance keywords jvs accepts and does not act on (they tune kernel features jvs replaces). */
    private static final Set<String> INSTANCE_ACCEPTED = Set.of(
        "debug", "accept", "no_accept", "skip_check_adv_addr",
        "kernel_rx_buf_size", "unicast_ttl", "garp_interval", "gna_interval",
        "garp_lower_prio_delay", "virtual_routes", "virtual_rules", "notify_master_rx_lower_pri",
        "linkbeat_use_polling");

    /** vrrp_instance's keywords (keepalived's vrrp_parser.c). */
    private static final Keywords<Reading, InstanceReader> INSTANCE = new Keywords<Reading, InstanceReader>()
        .on(InstanceReader::state, "state")
        .on((r, in, k) -> in.cfg.iface = KeepalivedConfig.word(k, 0), "interface")
        .on((r, in, k) -> in.cfg.vrid = (int)KeepalivedConfig.number(k, 0, 1, 255, "virtual_router_id"),
            "virtual_router_id")
        .on((r, in, k) ->
        {
            in.cfg.priority = (int)KeepalivedConfig.number(k, 0, 1, 255, "priority");
            in.prioritySet = true;
        }, "priority")
        .on((r, in, k) ->
        {
            final long ms = KeepalivedConfig.seconds(k);
            if (ms < 10 || ms > 255_000)
            {
                throw new ConfigException(k.argAt(0), "advert_int must be 0.01..255 seconds");
            }
            in.advertMs = ms;
        }, "advert_int")
        .on((r, in, k) -> in.strict = k.args().isEmpty() || trueFalse(k, r.kc()), "strict_mode")
        .on((r, in, k) -> in.lowerPrioNoAdvert = k.args().isEmpty() || trueFalse(k, r.kc()), "lower_prio_no_advert")
        .on((r, in, k) -> in.higherPrioSendAdvert = k.args().isEmpty() || trueFalse(k, r.kc()),
            "higher_prio_send_advert")
        .on((r, in, k) -> in.garpLowerPrioRepeat = (int)KeepalivedConfig.number(k, 0, 0, 255,
            "garp_lower_prio_repeat"), "garp_lower_prio_repeat")
        .on((r, in, k) -> in.cfg.preempt = true, "preempt")
        .on((r, in, k) -> r.kc().warn(k, "'notify_priority_changes' is not acted on: priority changes go to " +
            "keepalived's notify FIFO, which jvs does not have"), "notify_priority_changes")
        .on(InstanceReader::version, "version")
        .on(InstanceReader::nativeIpv6, "native_ipv6")
        .on((r, in, k) -> in.auth = k, "authentication")
        .on((r, in, k) -> addresses(k, in, in.addressList, r.kc()), "virtual_ipaddress")
        .on((r, in, k) -> addresses(k, in, in.excludedList, r.kc()), "virtual_ipaddress_excluded")
        // mcast_src_ip is the older name of the adverts' source address, as keepalived reads it.
        .on(InstanceReader::source, "unicast_src_ip", "mcast_src_ip")
        .on((r, in, k) ->
        {
            for (final Statement a : children(k))
            {
                final IpAddress peer = addressOf(a);
                if (in.sameFamily(peer))
                {
                    in.peerList.add(peer);
                }
                else
                {
                    r.kc().warnAt(a.at(), "Configuration error: VRRP instance[" + in.cfg.name + "] and unicast peer " +
                        "address[" + a.keyword() + "] MUST be of the same family !!! Skipping...");
                }
            }
        }, "unicast_peer")
        .on((r, in, k) -> in.cfg.preempt = false, "nopreempt")
        .on((r, in, k) -> in.smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0)), "smtp_alert")
        .on((r, in, k) -> in.cfg.preemptDelayMs = KeepalivedConfig.seconds(k), "preempt_delay")
        .on((r, in, k) -> in.cfg.garpMasterDelayMs = KeepalivedConfig.seconds(k), "garp_master_delay")
        .on((r, in, k) -> in.cfg.garpMasterRepeat = (int)KeepalivedConfig.number(k, 0, 1, 255, "garp_master_repeat"),
            "garp_master_repeat")
        .on((r, in, k) -> in.cfg.garpMasterRefreshMs = KeepalivedConfig.seconds(k), "garp_master_refresh")
        .on((r, in, k) -> in.cfg.garpMasterRefreshRepeat = (int)KeepalivedConfig.number(k, 0, 1, 255,
            "garp_master_refresh_repeat"), "garp_master_refresh_repeat")
        .on((r, in, k) -> in.notifyMaster = r.kc().command("notify", k), "notify_master")
        .on((r, in, k) -> in.notifyBackup = r.kc().command("notify", k), "notify_backup")
        .on((r, in, k) -> in.notifyFault = r.kc().command("notify", k), "notify_fault")
        .on((r, in, k) -> in.notifyStop = r.kc().command("notify", k), "notify_stop")
        .on((r, in, k) -> in.notify = r.kc().command("notify", k), "notify")
        .on((r, in, k) ->
        {
            for (final Statement t : children(k))
            {
                in.trackInterfaces.put(t.keyword(), weight(t));
            }
        }, "track_interface")
        .on((r, in, k) -> tracked(k, in, in.trackFilesUsed, "file:"), "track_file")
        .on((r, in, k) -> tracked(k, in, in.trackProcessesUsed, "process:"), "track_process")
        .on((r, in, k) ->
        {
            for (final Statement t : children(k))
            {
                in.trackScripts.put(t.keyword(), t.args().isEmpty() ? null : weight(t));
                in.trackScriptAt.put(t.keyword(), t.at());
            }
        }, "track_script")
        .on((r, in, k) -> r.vrrp().syncDaemonInterface(k, in, r.kc()), "lvs_sync_daemon_interface")
        // No macvlan interface: the engine answers ARP and sends gratuitous ARP from the virtual MAC, and its
        // socket accepts frames to it; the interface name keepalived would give the macvlan is unused.
        .on((r, in, k) -> in.cfg.useVmac = true, "use_vmac")
        .on((r, in, k) -> in.cfg.checkUnicastSource = true, "check_unicast_src")
        // Read after the block: the interface is then not tracked.
        .ignore("dont_track_primary")
        .on((r, in, k) -> in.cfg.vmacXmitBase = true, "vmac_xmit_base");

    private static void state(final Reading r, final InstanceReader in, final Statement k) throws ConfigException
    {
        final String w = KeepalivedConfig.word(k, 0);
        if (!"MASTER".equals(w) && !"BACKUP".equals(w))
        {
            throw new ConfigException(k.argAt(0), "state must be MASTER or BACKUP, not '" + w +
                "' (case-sensitive; keepalived would warn and run it as BACKUP)");
        }
        if ("BACKUP".equals(w) && "MASTER".equals(in.cfg.initialState) && in.stateSet)
        {
            r.kc().warnAt(k.at(), "(" + in.cfg.name + ") state previously set as MASTER - ignoring BACKUP");
        }
        else
        {
            in.cfg.initialState = w;
        }
        in.stateSet = true;
    }

    /**
     * virtual_ipaddress takes the instance's family only (keepalived's {@code alloc_vrrp_vip}: the first address
     * decides when nothing did before); virtual_ipaddress_excluded takes either, so an IPv4 instance can carry
     * IPv6 addresses (and the reverse), as keepalived's dual-stack configurations do.
     */
    private static void addresses(final Statement k, final InstanceReader in, final List<IpAddress> into,
        final KeepalivedConfig kc) throws ConfigException
    {
        for (final Statement a : children(k))
        {
            final IpAddress addr = addressOf(a);
            if (into == in.addressList && !in.sameFamily(addr))
            {
                kc.warnAt(a.at(), "(" + in.cfg.name + "): address family must match VRRP instance [" + a.keyword() +
                    "] - ignoring");
                continue;
            }
            into.add(addr);
            in.vipLines.add(a);
        }
    }

    /** Whether an address is of the instance's family, which it decides when nothing has yet. */
    private boolean sameFamily(final IpAddress a)
    {
        if (null == ipv6)
        {
            ipv6 = a.v6();
        }
        return ipv6 == a.v6();
    }

    private static void source(final Reading r, final InstanceReader in, final Statement k) throws ConfigException
    {
        final IpAddress a = KeepalivedConfig.ipAddress(k, 0, k.keyword());
        if (in.sameFamily(a))
        {
            in.source = a;
        }
        else
        {
            r.kc().warnAt(k.at(), "Configuration error: VRRP instance[" + in.cfg.name + "] and src address[" +
                KeepalivedConfig.word(k, 0) + "] MUST be of the same family !!! Skipping...");
        }
    }

    private static void version(final Reading r, final InstanceReader in, final Statement k) throws ConfigException
    {
        final int v = (int)KeepalivedConfig.number(k, 0, 2, 3, "version");
        if (null != in.version && in.version != v || 2 == v && Boolean.TRUE.equals(in.ipv6))
        {
            r.kc().warnAt(k.at(), "(" + in.cfg.name + ") vrrp_version " + v + " conflicts with configured or deduced " +
                "version " + (null == in.version ? 0 : in.version) + "; ignoring.");
            return;
        }
        in.version = v;
    }

    private static void nativeIpv6(final Reading r, final InstanceReader in, final Statement k)
    {
        if (Boolean.FALSE.equals(in.ipv6))
        {
            r.kc().warnAt(k.at(), "(" + in.cfg.name + ") Cannot specify native_ipv6 with IPv4 addresses");
            return;
        }
        in.ipv6 = true;
        in.version = 3;
    }

    /**
     * Read one vrrp_instance block (completed by {@link #complete} once the whole file is read).
     *
     * @param s the block.
     * @param vr the VRRP part being read (lvs_sync_daemon_interface sets its sync daemon).
     * @param kc for warnings and scripts.
     * @param d the global_defs defaults.
     * @return the instance as read.
     * @throws ConfigException on a missing virtual_router_id, interface or address.
     */
    static InstanceReader read(final Statement s, final VrrpReader vr, final KeepalivedConfig kc,
        final VrrpReader.Defaults d) throws ConfigException
    {
        final InstanceReader in = new InstanceReader();
        in.at = s.at();
        final InstanceConfig.Builder c = in.cfg;
        c.name = KeepalivedConfig.word(s, 0);
        c.version = d.version;
        c.garpMasterDelayMs = d.garpDelayMs;
        c.garpMasterRepeat = d.garpRepeat;
        c.garpMasterRefreshMs = d.garpRefreshMs;
        c.garpMasterRefreshRepeat = d.garpRefreshRepeat;
        c.checkUnicastSource = d.checkUnicastSource;
        in.strict = d.strict;
        final Reading r = new Reading(vr, kc);
        for (final Statement k : children(s))
        {
            if (INSTANCE.apply(r, in, k))
            {
                continue;
            }
            if (!INSTANCE_ACCEPTED.contains(k.keyword()))
            {
                kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_instance");
            }
            else if (!"debug".equals(k.keyword()))
            {
                kc.warn(k, "'" + k.keyword() + "' is read and not acted on by jvs");
            }
        }
        if (0 == c.vrid)
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no virtual_router_id");
        }
        if (c.iface.isEmpty())
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no interface");
        }
        if (in.addressList.isEmpty())
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no virtual_ipaddress");
        }
        if (children(s).stream().noneMatch(k -> "dont_track_primary".equals(k.keyword())))
        {
            // keepalived watches the instance's own interface unless told not to: down means FAULT.
            in.trackInterfaces.putIfAbsent(c.iface, 0);
        }
        c.addresses = v4(in.addressList);
        c.addresses6 = v6(in.addressList);
        c.unicastPeers = v4(in.peerList);
        c.unicastPeers6 = v6(in.peerList);
        c.excludedAddresses = v4(in.excludedList);
        c.excludedAddresses6 = v6(in.excludedList);
        if (null != in.source)
        {
            c.source = in.source.v6() ? 0 : in.source.v4();
            c.source6 = in.source.v6() ? in.source.bytes() : null;
        }
        return in;
    }

    private static int[] v4(final List<IpAddress> l)
    {
        return l.stream().filter(a -> !a.v6()).mapToInt(IpAddress::v4).toArray();
    }

    /** The IPv6 addresses of a list, 16 bytes each, in its order. */
    private static byte[] v6(final List<IpAddress> l)
    {
        final List<IpAddress> six = l.stream().filter(IpAddress::v6).toList();
        final byte[] b = new byte[16 * six.size()];
        for (int i = 0; i < six.size(); i++)
        {
            System.arraycopy(six.get(i).bytes(), 0, b, 16 * i, 16);
        }
        return b;
    }

    /**
     * keepalived's {@code vrrp_complete_instance}, the parts jvs runs: priority and state derived from each
     * other, what strict mode turns off, the advertisement interval each version can carry, and the preemption
     * settings that cannot work together; each change with keepalived's warning.
     */
    static void complete(final InstanceReader in, final KeepalivedConfig kc, 
        final VrrpReader.Defaults d)
        throws ConfigException
    {
        final InstanceConfig.Builder c = in.cfg;
        final String n = "(" + c.name + ")";
        completeFamily(in, kc);
        final boolean master = "MASTER".equals(c.initialState) && in.stateSet;
        if (!in.prioritySet)
        {
            c.priority = master ? 255 : 100;
        }
        if (!in.stateSet)
        {
            c.initialState = 255 == c.priority ? "MASTER" : "BACKUP";
        }
        else if (in.strict && master != (255 == c.priority))
        {
            kc.warnAt(in.at, n + " State MASTER must match being address owner");
            c.initialState = 255 == c.priority ? "MASTER" : "BACKUP";
        }
        authentication(in.auth, in, kc);
        if (in.strict && c.unicastPeers.length + c.unicastPeers6.length > 0)
        {
            throw new ConfigException(in.at, n + " Unicast peers are not supported in strict mode");
        }
        if (255 == c.priority && !c.preempt)
        {
            kc.warnAt(in.at, n + " nopreempt is incompatible with priority 255. resetting nopreempt");
            c.preempt = true;
        }
        if ("MASTER".equals(c.initialState))
        {
            if (!c.preempt)
            {
                kc.warnAt(in.at, n + " Warning - nopreempt will not work with initial state MASTER - clearing");
                c.preempt = true;
            }
            if (0 != c.preemptDelayMs)
            {
                kc.warnAt(in.at, n + " Warning - preempt delay will not work with initial state MASTER - clearing");
                c.preemptDelayMs = 0;
            }
        }
        if (0 != c.preemptDelayMs)
        {
            // Both are said when both apply, as keepalived checks both under one condition.
            if (in.strict)
            {
                kc.warnAt(in.at, n + " preempt_delay is incompatible with strict mode - resetting");
                c.preemptDelayMs = 0;
            }
            if (!c.preempt)
            {
                kc.warnAt(in.at, n + " preempt_delay is incompatible with nopreempt mode - resetting");
                c.preemptDelayMs = 0;
            }
        }
        for (final Statement a : in.vipLines)
        {
            vipOptions(a, in, kc);
        }
        completeLowerPriority(in, kc, d);
        c.advertCentis = advertCentis(in, kc, in.advertMs);
    }

    /**
     * The version an instance speaks: an IPv6 one VRRPv3 (RFC 5798 has no VRRPv2 over IPv6), an IPv4 one its
     * {@code version}, else global_defs' vrrp_version; and keepalived's word on an IPv6 first address that is
     * not link-local (RFC 5798 5.2.9 wants the link-local one first).
     */
    private static void completeFamily(final InstanceReader in, final KeepalivedConfig kc)
    {
        final InstanceConfig.Builder c = in.cfg;
        final String n = "(" + c.name + ")";
        if (null != in.version)
        {
            c.version = in.version;
        }
        if (0 == c.addresses6.length)
        {
            return;
        }
        if (2 == c.version && null != in.version)
        {
            // keepalived says so in strict mode only, and otherwise sends VRRPv2 adverts over IPv6, which RFC 5798
            // does not define and no IPv6 peer accepts.
            kc.warnAt(in.at, n + " cannot use IPv6 with VRRP version 2; setting version 3" + (in.strict ? "" :
                " (keepalived would say so in strict mode only, and send VRRPv2 over IPv6 otherwise)"));
        }
        c.version = 3;
        final boolean linkLocal = (c.addresses6[0] & 0xFF) == 0xFE && (c.addresses6[1] & 0xC0) == 0x80;
        if (0 == c.unicastPeers6.length && !linkLocal)
        {
            kc.warnAt(in.at, n + " the first IPv6 VIP address " + (in.strict ? "must" : "should") + " be link local");
        }
    }

    /** What a master does about a lower priority advert, and about a higher one (strict mode: RFC only). */
    private static void completeLowerPriority(final InstanceReader in, final KeepalivedConfig kc, 
        final VrrpReader.Defaults d)
    {
        final InstanceConfig.Builder c = in.cfg;
        final String n = "(" + c.name + ")";
        final int defaultRepeat = null != d.garpLowerPrioRepeat ? d.garpLowerPrioRepeat : d.garpRepeat;
        c.garpLowerPrioRepeat = null == in.garpLowerPrioRepeat ? (in.strict ? 0 : defaultRepeat) :
            in.garpLowerPrioRepeat;
        if (in.strict && null != in.garpLowerPrioRepeat && 0 != in.garpLowerPrioRepeat)
        {
            kc.warnAt(in.at, n + " Strict mode requires no repeat garps. resetting");
            c.garpLowerPrioRepeat = 0;
        }
        c.lowerPrioNoAdvert = null == in.lowerPrioNoAdvert ? in.strict || d.lowerPrioNoAdvert : in.lowerPrioNoAdvert;
        if (in.strict && Boolean.FALSE.equals(in.lowerPrioNoAdvert))
        {
            kc.warnAt(in.at, n + " Strict mode requires no lower priority advert. resetting");
            c.lowerPrioNoAdvert = true;
        }
        c.higherPrioSendAdvert = null == in.higherPrioSendAdvert ? !in.strict && d.higherPrioSendAdvert :
            in.higherPrioSendAdvert;
        if (in.strict && Boolean.TRUE.equals(in.higherPrioSendAdvert))
        {
            kc.warnAt(in.at, n + " strict mode requires higher_prio_send_advert to be clear. resetting");
            c.higherPrioSendAdvert = false;
        }
    }

    /**
     * VRRPv2 carries whole seconds below 256, VRRPv3 centiseconds below 40.96 s: keepalived rounds or clamps
     * what does not fit, with a warning.
     */
    private static int advertCentis(final InstanceReader in, final KeepalivedConfig kc, final long advertMs)
    {
        final String n = "(" + in.cfg.name + ")";
        if (2 == in.cfg.version)
        {
            if (advertMs >= 256_000)
            {
                kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv2 advertisement interval %.2fs is out of range. " +
                    "Must be less than 256s. Setting to 255s", n, advertMs / 1000.0));
                return 25_500;
            }
            if (0 != advertMs % 1000)
            {
                kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv2 advertisement interval %fs must be an " +
                    "integer. rounding", n, advertMs / 1000.0));
                return (int)Math.max(1, (advertMs + 500) / 1000) * 100;
            }
            return (int)(advertMs / 10);
        }
        if (advertMs >= 40_960)
        {
            kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv3 advertisement interval %.2fs is out of range. " +
                "Must be less than 40.96s. Setting to 40.95s", n, advertMs / 1000.0));
            return 4095;
        }
        return (int)Math.max(1, advertMs / 10);
    }

    /** keepalived's "true"/"false" and their synonyms ({@code check_true_false}). */
    static boolean trueFalse(final Statement k, final KeepalivedConfig kc) throws ConfigException
    {
        final String w = KeepalivedConfig.word(k, 0).toLowerCase(Locale.ROOT);
        return switch (w)
        {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(k.argAt(0), k.keyword() + " '" + KeepalivedConfig.word(k, 0) +
                "' is not true or false");
        };
    }

    /**
     * The authentication block, and keepalived's order of reasons to turn it off: strict mode, VRRPv3, a
     * type without a password. auth_pass longer than 8 characters is truncated, as keepalived does.
     */
    private static void authentication(final Statement auth, final InstanceReader in, final KeepalivedConfig kc)
        throws ConfigException
    {
        if (null == auth)
        {
            return;
        }
        final InstanceConfig.Builder c = in.cfg;
        final String n = "(" + c.name + ")";
        String type = null;
        String pass = null;
        for (final Statement a : children(auth))
        {
            switch (a.keyword())
            {
                case "auth_type" -> type = KeepalivedConfig.word(a, 0);
                case "auth_pass" ->
                {
                    pass = KeepalivedConfig.word(a, 0);
                    if (pass.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > VrrpPacket.AUTH_LENGTH)
                    {
                        kc.warnAt(a.at(), "Truncating auth_pass to " + VrrpPacket.AUTH_LENGTH + " characters");
                    }
                }
                default -> kc.warn(a, "unknown keyword '" + a.keyword() + "' in authentication");
            }
        }
        if ("AH".equals(type))
        {
            throw new ConfigException(auth.at(), "auth_type AH is not supported (keepalived deprecates it too)");
        }
        if (null != type && !"PASS".equals(type))
        {
            throw new ConfigException(auth.at(), "auth_type must be PASS or AH, not '" + type +
                "' (case-sensitive; keepalived would warn and run without authentication)");
        }
        if (null == type)
        {
            return;
        }
        if (in.strict)
        {
            kc.warnAt(auth.at(), n + " Strict mode does not support authentication. Ignoring.");
            return;
        }
        if (3 == c.version)
        {
            kc.warnAt(auth.at(), n + " VRRP version 3 does not support authentication. Ignoring.");
            return;
        }
        if (null == pass || pass.isEmpty())
        {
            kc.warnAt(auth.at(), n + " Authentication specified but no password given. Ignoring");
            return;
        }
        c.password(pass);
    }

    static int weight(final Statement t) throws ConfigException
    {
        for (int i = 0; i + 1 < t.args().size(); i++)
        {
            if ("weight".equals(t.args().get(i)))
            {
                return (int)KeepalivedConfig.number(t, i + 1, -253, 253, "weight");
            }
        }
        return 0;
    }

    /**
     * The words after a virtual_ipaddress: keepalived adds the address to the kernel with them; jvs owns the
     * address itself (answers ARP for it, takes its traffic), so only {@code dev} could change what it does,
     * and each is said in a warning rather than passed over.
     */
    private static void vipOptions(final Statement a, final InstanceReader in, final KeepalivedConfig kc)
        throws ConfigException
    {
        final InstanceConfig.Builder c = in.cfg;
        final List<String> w = a.args();
        for (int i = 0; i < w.size(); i++)
        {
            final String o = w.get(i);
            final boolean valued = Set.of("dev", "brd", "scope", "label", "peer", "track_group", "metric", "preferred_lft",
                "valid_lft").contains(o);
            final String v = valued && i + 1 < w.size() ? w.get(++i) : null;
            if ("dev".equals(o) && null != v)
            {
                // The address lives on that interface (the DIP of a two-armed director): answered there.
                if (!c.iface.equals(v))
                {
                    in.devices.put(addressOf(a), v);
                }
                continue;
            }
            kc.warnAt(a.at(), "'" + o + (null != v ? " " + v : "") + "' on virtual_ipaddress " + a.keyword() + " (" +
                c.name + ") is not acted on: " + ("dev".equals(o) ? "jvs owns the instance's addresses on its " +
                "interface " + c.iface :
                "jvs answers for the address itself instead of adding it to the kernel with options"));
        }
    }

    /** An address line: "198.19.0.80", "198.19.0.1/24", "2001:2::80/64", with dev/brd/label words after it. */
    private static IpAddress addressOf(final Statement a) throws ConfigException
    {
        final String w = a.keyword();
        final int slash = w.indexOf('/');
        final String addr = slash < 0 ? w : w.substring(0, slash);
        try
        {
            return IpAddress.parse(addr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(a.at(), "'" + w + "' is not an IPv" + (addr.indexOf(':') < 0 ? "4" : "6") +
                " address");
        }
    }

    /** track_file / track_process in an instance: NAME [weight W [reverse]], remembered with its position. */
    private static void tracked(final Statement k, final InstanceReader in, final Map<String, VrrpConfig.Tracked> used,
        final String kind) throws ConfigException
    {
        for (final Statement t : children(k))
        {
            used.put(t.keyword(), t.args().isEmpty() ? null :
                new VrrpConfig.Tracked(weight(t), t.args().contains("reverse")));
            in.trackScriptAt.put(kind + t.keyword(), t.at());
        }
    }

    /** @return the value the director runs. */
    VrrpConfig.Instance build()
    {
        return new VrrpConfig.Instance(cfg.build(), notifyMaster, notifyBackup, notifyFault, notifyStop, notify,
            VrrpConfig.frozen(trackInterfaces), VrrpConfig.frozen(trackScripts), smtpAlert,
            VrrpConfig.frozen(trackFilesUsed), VrrpConfig.frozen(trackProcessesUsed), strict, VrrpConfig.frozen(devices));
    }

    private static List<Statement> children(final Statement s) throws ConfigException
    {
        return VrrpReader.children(s);
    }
}

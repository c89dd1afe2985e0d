package dev.jvs.director.config;

import dev.jvs.director.config.KeepalivedConfig.GroupMember;
import dev.jvs.engine.Method;

import java.util.List;

import static dev.jvs.director.config.KeepalivedConfig.address;

/**
 * keepalived's {@code validate_check_config} for the virtual servers once the whole file is read: defaults
 * set with keepalived's warnings, contradictions corrected, duplicates removed, what cannot run refused.
 */
final class VirtualServerRules
{
    private final KeepalivedConfig c;

    VirtualServerRules(final KeepalivedConfig c)
    {
        this.c = c;
    }

    /** @return whether the virtual server is a firewall mark, or a group of nothing but marks. */
    private boolean marksOnly(final VirtualServerDraft vs)
    {
        if (null == vs.group)
        {
            return 0 != vs.fwmark;
        }
        return c.groups.get(vs.group).stream().allMatch(m -> 0 != m.fwmark());
    }

    /** @return whether the virtual server is by address: an address and port, or a group with addresses. */
    private boolean byAddress(final VirtualServerDraft vs)
    {
        if (null == vs.group)
        {
            return 0 == vs.fwmark;
        }
        return c.groups.get(vs.group).stream().anyMatch(m -> 0 == m.fwmark());
    }

    /**
     * keepalived's {@code validate_check_config}, in its order and with its words: what a virtual server leaves
     * unset is defaulted with a warning, and what contradicts itself is corrected with a warning, so that a file
     * runs here as it runs under keepalived.
     */
    private void complete()
    {
        for (final java.util.Iterator<VirtualServerDraft> it = c.drafts.iterator(); it.hasNext(); )
        {
            final VirtualServerDraft vs = it.next();
            if (vs.realServers.isEmpty())
            {
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() + " has no real servers - ignoring");
                it.remove();
                continue;
            }
            completeFamily(vs);
            final boolean anyMark = 0 != vs.fwmark || null != vs.group && c.groups.get(vs.group).stream()
                .anyMatch(m -> 0 != m.fwmark());
            if (vs.haSuspend && anyMark)
            {
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": cannot use ha_suspend with fwmarks - clearing ha_suspend");
                vs.haSuspend = false;
            }
            completeAddressed(vs);
            if (0 != vs.protocol && marksOnly(vs))
            {
                c.warnAt(vs.at, "Warning: Virtual server " + vs.keepalivedName() +
                    ": protocol specified for fwmark - protocol will be ignored");
                vs.protocol = 0;
            }
            if (null == vs.scheduler)
            {
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no scheduler set, setting default 'wlc'");
                vs.scheduler = "wlc";
            }
            removeDuplicates(vs);
            long weightSum = 0;
            for (final RealServerDraft rs : vs.realServers)
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
            if (null != vs.sorryAddr && vs.sorryMethod < 0)
            {
                vs.sorryMethod = defaultMethod(vs);
            }
            completeQuorum(vs, weightSum);
            completePorts(vs);
        }
    }

    /** keepalived frees a MISC_CHECK whose script it disabled: the real server is then not checked by it. */
    void dropDisabledChecks()
    {
        for (final VirtualServerDraft vs : c.drafts)
        {
            for (final RealServerDraft rs : vs.realServers)
            {
                rs.checks.removeIf(ch ->
                {
                    if (null != ch.misc && null != ch.misc.disabled() && "MISC_CHECK".equals(ch.type))
                    {
                        c.warnAt(ch.at, "Disabling misc script " + ch.miscPath + (ch.misc.disabled().contains("insecure") ?
                            " due to insecure" : " since not found/accessible"));
                        return true;
                    }
                    return false;
                });
            }
        }
    }

    /**
     * keepalived's vs_end_handler: a sorry server of the other family is dropped (unless tunnelled); a service
     * whose family nothing gave (a firewall mark with tunnelled servers only) takes its servers' if they agree,
     * else IPv4. A tunnel to a server of the other family, which jvs does not build yet, is said.
     */
    private void completeFamily(final VirtualServerDraft vs)
    {
        final int sorryMethod = vs.sorryMethod >= 0 ? vs.sorryMethod : vs.method;
        if (null != vs.sorryAddr && Method.TUN != sorryMethod)
        {
            final int af = vs.sorryAddr.v6() ? 6 : 4;
            if (0 == vs.family)
            {
                vs.family = af;
            }
            else if (vs.family != af)
            {
                c.warnAt(vs.at, "Address family of virtual server and sorry server " + vs.sorryAddr +
                    " don't match - skipping sorry server.");
                vs.sorryAddr = null;
                vs.sorryPort = 0;
            }
        }
        if (0 == vs.family && null == vs.group)
        {
            final java.util.Set<Boolean> families = new java.util.HashSet<>();
            if (null != vs.sorryAddr)
            {
                families.add(vs.sorryAddr.v6());
            }
            vs.realServers.forEach(rs -> families.add(rs.addr.v6()));
            vs.family = families.equals(java.util.Set.of(true)) ? 6 : 4;
        }
        if (6 == vs.family && 0xFFFFFFFF == vs.persistenceNetmask)
        {
            // The whole address: for IPv6 the kernel keeps a prefix length, 128.
            vs.persistenceNetmask = 128;
        }
        for (final RealServerDraft rs : vs.realServers)
        {
            if (rs.addr.v6() != (6 == vs.family) && null == vs.group)
            {
                c.warnAt(rs.at, "real server " + rs.addr + " is tunnelled across address families, which jvs " +
                    "does not do yet: it is checked, not used");
            }
        }
    }

    /** keepalived keeps the first of two real servers with the same address and port, and says so. */
    private void removeDuplicates(final VirtualServerDraft vs)
    {
        for (int i = 0; i < vs.realServers.size(); i++)
        {
            final RealServerDraft rs = vs.realServers.get(i);
            for (int j = 0; j < i; j++)
            {
                final RealServerDraft first = vs.realServers.get(j);
                if (first.addr.equals(rs.addr) && first.port == rs.port)
                {
                    c.warnAt(rs.at, "VS " + vs.keepalivedName() + ": real server " + rsName(rs, vs) +
                        " is duplicated - removing second rs");
                    vs.realServers.remove(i--);
                    break;
                }
            }
        }
    }

    private int defaultMethod(final VirtualServerDraft vs)
    {
        if (vs.method < 0)
        {
            c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no forwarding method set, setting default NAT");
            vs.method = Method.NAT;
        }
        return vs.method;
    }

    /** The checks keepalived makes of a virtual server given by address (or a group with addresses). */
    private void completeAddressed(final VirtualServerDraft vs)
    {
        if (byAddress(vs))
        {
            if (0 == vs.protocol)
            {
                // If the protocol is 0, the kernel defaults to UDP: keepalived sets it explicitly.
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": no protocol set - defaulting to UDP");
                vs.protocol = 17;
            }
            if (vs.ops && 17 != vs.protocol)
            {
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": one packet scheduling requires UDP - resetting");
                vs.ops = false;
            }
            if (0 == vs.persistenceTimeout && null == vs.group && 0 == vs.fwmark && 0 == vs.port)
            {
                c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                    ": zero port only valid for persistent services - setting");
                vs.persistenceTimeout = KeepalivedConfig.PERSISTENT_TIMEOUT_S;
            }
        }
        if (0 == vs.persistenceTimeout && null != vs.group &&
            c.groups.get(vs.group).stream().anyMatch(m -> 0 == m.fwmark() && 0 == m.port()))
        {
            c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() +
                ": zero port only valid for persistent services - setting");
            vs.persistenceTimeout = KeepalivedConfig.PERSISTENT_TIMEOUT_S;
        }
    }

    private void completeQuorum(final VirtualServerDraft vs, final long weightSum)
    {
        if (vs.quorum > weightSum)
        {
            c.warnAt(vs.at, "Warning - quorum " + vs.quorum + " for " + vs.keepalivedName() +
                " exceeds total weight of real servers " + weightSum + ", reducing quorum to " + weightSum);
            vs.quorum = weightSum;
        }
        if (vs.quorum > 0 && vs.hysteresis >= vs.quorum)
        {
            c.warnAt(vs.at, "Virtual server " + vs.keepalivedName() + ": hysteresis " + vs.hysteresis + " >= quorum " +
                vs.quorum + "; setting hysteresis to " + (vs.quorum - 1));
            vs.hysteresis = vs.quorum - 1;
        }
    }

    /**
     * Unless NAT, a real server's port is the virtual server's (DR and TUN do not rewrite it), and with a
     * firewall mark it is none; NAT real servers without a port take the virtual server's.
     */
    private void completePorts(final VirtualServerDraft vs)
    {
        final String v = vs.keepalivedName();
        if (null != vs.group)
        {
            final List<GroupMember> members = c.groups.get(vs.group);
            for (final RealServerDraft rs : vs.realServers)
            {
                if (Method.NAT == rs.method || 0 == rs.port)
                {
                    continue;
                }
                if (members.stream().anyMatch(m -> 0 != m.fwmark()))
                {
                    c.warnAt(rs.at, "WARNING - fwmark virtual server " + v + ", real server " + rsName(rs, vs) +
                        " has port specified - port will be ignored");
                }
                for (final GroupMember m : members)
                {
                    if (0 == m.fwmark() && m.port() != rs.port)
                    {
                        c.warnAt(rs.at, "virtual server " + v + ":[" + memberName(m) + "] and real server " +
                            rsName(rs, vs) + " ports don't match");
                    }
                }
            }
            return;
        }
        for (final RealServerDraft rs : vs.realServers)
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
                    c.warnAt(rs.at, "WARNING - fwmark virtual server " + v + ", real server " + rsName(rs, vs) +
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
                c.warnAt(rs.at, "WARNING - virtual server " + v + " and real server " + rsName(rs, vs) +
                    " ports don't match - resetting");
                rs.port = vs.port;
            }
        }
        if (null != vs.sorryAddr && Method.NAT != vs.sorryMethod)
        {
            if (0 != vs.fwmark)
            {
                if (0 != vs.sorryPort)
                {
                    c.warnAt(vs.at, "WARNING - virtual server " + v + ", sorry server has port specified - clearing");
                    vs.sorryPort = 0;
                }
            }
            else if (0 == vs.sorryPort)
            {
                vs.sorryPort = vs.port;
            }
            else if (vs.sorryPort != vs.port)
            {
                c.warnAt(vs.at, "WARNING - virtual server " + v + " and sorry server ports don't match - resetting");
                vs.sorryPort = vs.port;
            }
        }
    }

    /** keepalived's FMT_RS: "[ADDR]:PROTO:PORT". */
    private static String rsName(final RealServerDraft rs, final VirtualServerDraft vs)
    {
        return "[" + rs.addr + "]:" + KeepalivedConfig.protocolName(vs.protocol) + ":" + rs.port;
    }

    /** keepalived's format_vsge: "ADDR,PORT", "FIRST-LAST,PORT" or "FWM N". */
    private static String memberName(final GroupMember m)
    {
        if (0 != m.fwmark())
        {
            return "FWM " + m.fwmark();
        }
        return m.first() + (!m.first().equals(m.last()) ? "-" + m.last() : "") + "," +
            m.port();
    }

    void validate() throws ConfigException
    {
        for (final VirtualServerDraft vs : c.drafts)
        {
            if (null != vs.group && !c.groups.containsKey(vs.group))
            {
                throw new ConfigException(vs.at, "virtual_server group " + vs.group +
                    " names no virtual_server_group");
            }
        }
        complete();
        for (int i = 0; i < c.drafts.size(); i++)
        {
            for (int j = 0; j < i; j++)
            {
                final VirtualServerDraft a = c.drafts.get(i);
                final VirtualServerDraft b = c.drafts.get(j);
                if (java.util.Objects.equals(a.vip, b.vip) && a.port == b.port && a.fwmark == b.fwmark && a.protocol == b.protocol &&
                    java.util.Objects.equals(a.group, b.group))
                {
                    throw new ConfigException(a.at, "virtual_server " + a.name() + " is already defined at line " +
                        b.at.line());
                }
            }
        }
    }
}

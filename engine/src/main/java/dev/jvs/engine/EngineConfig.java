package dev.jvs.engine;

import dev.jvs.engine.conn.TcpStates;

/**
 * The director's own parameters for the data plane: who it is on the wire, its MTU, and IPVS's sysctls.
 * Mutable on the control path before a worker starts; a worker reads it per frame.
 */
public final class EngineConfig
{
    /** The director's MAC on the capture interface (source of every frame it sends). */
    public long localMac;
    /** The director's IPv4 address (outer source of IPIP, source of ICMP errors it generates itself). */
    public int localIp;
    /** Interface MTU. */
    public int mtu = 1500;
    /** Answer ARP for VIPs (vip_mode engine). */
    public boolean answerArp = true;
    /** Schedule TCP on any segment, not only SYN ({@code sloppy_tcp}). */
    public boolean sloppyTcp;
    /** Drop and expire a connection whose real server was removed ({@code expire_nodest_conn}). */
    public boolean expireNodestConn;
    /** Expire persistence templates of weight-0 servers ({@code expire_quiescent_template}). */
    public boolean expireQuiescentTemplate;
    /** Use the secure_tcp state table (defense strategy). */
    public boolean secureTcp;
    /** Send ICMP fragmentation needed for too-big DF packets ({@code pmtu_disc}). */
    public boolean pmtuDisc = true;
    /** TCP timeouts per state, ms ({@code ipvsadm --set tcp tcpfin}). */
    public final int[] tcpTimeoutsMs = new int[TcpStates.COUNT];
    /** UDP timeout, ms. */
    public int udpTimeoutMs = 300_000;
    /** Ports 1 to N-1 of a director on several interfaces: MAC, address, MTU (port 0's are the fields above). */
    private long[] portMacs = new long[0];
    private int[] portIps = new int[0];
    private int[] portMtus = new int[0];
    private dev.jvs.engine.frame.IpAddress[] portIps6 = new dev.jvs.engine.frame.IpAddress[0];

    /** With IPVS's defaults. */
    public EngineConfig()
    {
        final int[] s = TcpStates.defaultTimeoutsSeconds();
        for (int i = 0; i < s.length; i++)
        {
            tcpTimeoutsMs[i] = s[i] * 1000;
        }
    }

    /** @return an independent copy, for another worker (each worker reads its own, written on its thread). */
    public EngineConfig copy()
    {
        final EngineConfig c = new EngineConfig();
        c.localMac = localMac;
        c.localIp = localIp;
        c.mtu = mtu;
        c.answerArp = answerArp;
        c.sloppyTcp = sloppyTcp;
        c.expireNodestConn = expireNodestConn;
        c.expireQuiescentTemplate = expireQuiescentTemplate;
        c.secureTcp = secureTcp;
        c.pmtuDisc = pmtuDisc;
        System.arraycopy(tcpTimeoutsMs, 0, c.tcpTimeoutsMs, 0, tcpTimeoutsMs.length);
        c.udpTimeoutMs = udpTimeoutMs;
        c.portMacs = portMacs;
        c.portIps = portIps;
        c.portMtus = portMtus;
        c.portIps6 = portIps6;
        return c;
    }

    /**
     * Every interface the director serves, port 0 first (it sets {@link #localMac}, {@link #localIp} and
     * {@link #mtu} too).
     *
     * @param macs each port's MAC.
     * @param ips each port's address (the source of what jvs itself sends there).
     * @param mtus each port's MTU.
     */
    public void ports(final long[] macs, final int[] ips, final int[] mtus)
    {
        localMac = macs[0];
        localIp = ips[0];
        mtu = mtus[0];
        portMacs = macs.clone();
        portIps = ips.clone();
        portMtus = mtus.clone();
    }

    /**
     * Each port's own IPv6 address (the outer source of ip6ip6 tunnels), or null where it has none.
     *
     * @param ips6 by port.
     */
    public void ports6(final dev.jvs.engine.frame.IpAddress[] ips6)
    {
        portIps6 = ips6.clone();
    }

    /** @param port a port. @return the director's IPv6 address there, or null. */
    public dev.jvs.engine.frame.IpAddress ip6(final int port)
    {
        return port < portIps6.length ? portIps6[port] : null;
    }

    /** @return how many ports. */
    public int ports()
    {
        return Math.max(1, portMacs.length);
    }

    /** @param port a port. @return its MAC. */
    public long mac(final int port)
    {
        return 0 == port ? localMac : portMacs[port];
    }

    /** @param port a port. @return the director's address there. */
    public int ip(final int port)
    {
        return 0 == port ? localIp : portIps[port];
    }

    /** @param port a port. @return its MTU. */
    public int mtu(final int port)
    {
        return 0 == port ? mtu : portMtus[port];
    }

    /**
     * @param addr an address.
     * @return the port that has it as the director's own address, or -1.
     */
    public int portOfLocal(final int addr)
    {
        if (addr == localIp)
        {
            return 0;
        }
        for (int p = 1; p < portIps.length; p++)
        {
            if (portIps[p] == addr)
            {
                return p;
            }
        }
        return -1;
    }

    /**
     * {@code ipvsadm --set tcp tcpfin udp}: 0 leaves a value unchanged.
     *
     * @param tcpS ESTABLISHED timeout, seconds.
     * @param tcpFinS FIN_WAIT timeout, seconds.
     * @param udpS UDP timeout, seconds.
     */
    public void setTimeouts(final int tcpS, final int tcpFinS, final int udpS)
    {
        if (tcpS > 0)
        {
            tcpTimeoutsMs[TcpStates.ESTABLISHED] = tcpS * 1000;
        }
        if (tcpFinS > 0)
        {
            tcpTimeoutsMs[TcpStates.FIN_WAIT] = tcpFinS * 1000;
        }
        if (udpS > 0)
        {
            udpTimeoutMs = udpS * 1000;
        }
    }
}

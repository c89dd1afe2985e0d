package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;

/**
 * A connection's state on each of its packets ({@code ip_vs_set_state}: the TCP and UDP protocols'
 * {@code state_transition}): TCP moves by IPVS's tables (the input-only one for DR/TUN, the secure one under
 * the defense strategy), a real server's active and inactive counts follow ESTABLISHED, and the timer is the
 * new state's; UDP is confirmed by a reply or a second datagram.
 */
final class Transitions
{
    private final EngineConfig cfg;
    private final ConnectionTable conns;
    private final Packet pkt;

    Transitions(final EngineConfig cfg, final ConnectionTable conns, final Packet pkt)
    {
        this.cfg = cfg;
        this.conns = conns;
        this.pkt = pkt;
    }

    /**
     * The packet moves its connection.
     *
     * @param e the connection.
     * @param svc its service.
     * @param direction {@link TcpStates#DIR_INPUT} or {@link TcpStates#DIR_OUTPUT}.
     * @param nowMs the time.
     */
    void onPacket(final int e, final VirtualService svc, final int direction, final long nowMs)
    {
        if (Ipv4.PROTO_TCP == pkt.proto && TcpStates.ESTABLISHED == conns.state(e) &&
            Tcp.ACK == (pkt.tcpFlags & (Tcp.SYN | Tcp.FIN | Tcp.RST | Tcp.ACK)) &&
            (TcpStates.DIR_OUTPUT != direction || 0 == (conns.flags(e) & ConnectionTable.F_NOOUTPUT)))
        {
            // The data path: every table keeps ESTABLISHED on a plain ACK; only the timer moves. Kept small
            // so that the JIT inlines it; the rest is a call.
            conns.touch(e, cfg.tcpTimeoutsMs[TcpStates.ESTABLISHED], nowMs);
            return;
        }
        change(e, svc, direction, nowMs);
    }

    private void change(final int e, final VirtualService svc, final int direction, final long nowMs)
    {
        if (Ipv4.PROTO_TCP != pkt.proto)
        {
            final int f = conns.flags(e);
            if (TcpStates.DIR_OUTPUT == direction && 0 == (f & ConnectionTable.F_CONFIRMED))
            {
                conns.flags(e, f | ConnectionTable.F_CONFIRMED);
            }
            else if (0 == (f & ConnectionTable.F_CONFIRMED) && conns.state(e) > 0)
            {
                // A second UDP datagram from the client also confirms it (DR/TUN never see replies).
                conns.flags(e, f | ConnectionTable.F_CONFIRMED);
            }
            conns.state(e, 1);
            conns.touch(e, cfg.udpTimeoutMs, nowMs);
            if (TcpStates.DIR_OUTPUT == direction)
            {
                conns.assureControl(e);
            }
            return;
        }
        final int old = conns.state(e);
        int flags = conns.flags(e);
        int dir = direction;
        if (0 != (flags & ConnectionTable.F_NOOUTPUT))
        {
            if (TcpStates.DIR_OUTPUT == dir)
            {
                flags &= ~ConnectionTable.F_NOOUTPUT;
            }
            else
            {
                dir = TcpStates.DIR_INPUT_ONLY;
            }
        }
        final int next = TcpStates.next(cfg.secureTcp ? TcpStates.DOS : TcpStates.NORMAL, dir, old, pkt.tcpFlags);
        if (next != old)
        {
            final Destinations d = svc.dests();
            final int dest = conns.dest(e);
            if (0 == (flags & ConnectionTable.F_INACTIVE) && TcpStates.ESTABLISHED != next)
            {
                d.deactivate(dest);
                flags |= ConnectionTable.F_INACTIVE;
            }
            else if (0 != (flags & ConnectionTable.F_INACTIVE) && TcpStates.ESTABLISHED == next)
            {
                d.activate(dest);
                flags &= ~ConnectionTable.F_INACTIVE;
                flags |= ConnectionTable.F_CONFIRMED;
            }
            if (TcpStates.ESTABLISHED == next)
            {
                conns.assureControl(e);
            }
            conns.state(e, next);
        }
        conns.flags(e, flags);
        conns.touch(e, cfg.tcpTimeoutsMs[next], nowMs);
    }
}

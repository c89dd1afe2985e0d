package dev.jvs.engine.conn;

/**
 * IPVS's TCP connection states and transition tables ({@code ip_vs_proto_tcp.c}), as tables.
 * <p>
 * Three tables: INPUT (client to director), OUTPUT (real server to director, seen only in NAT), and
 * INPUT_ONLY for connections whose replies bypass the director (DR, TUN: the kernel's
 * {@code IP_VS_CONN_F_NOOUTPUT}), where a client FIN moves ESTABLISHED to FIN_WAIT rather than CLOSE_WAIT.
 * Rows are the TCP flag that decides (RST over SYN over FIN over ACK); columns the current state. A segment
 * with none of those flags moves the connection to CLOSE, as the kernel does.
 * <p>
 * The "secure_tcp" tables of the kernel's defense strategy are {@link #DOS}: they keep a half-open
 * connection in SYNACK (shorter-lived) until the client's ACK proves it.
 */
public final class TcpStates
{
    /** NONE. */
    public static final int NONE = 0;
    /** ESTABLISHED. */
    public static final int ESTABLISHED = 1;
    /** SYN_SENT. */
    public static final int SYN_SENT = 2;
    /** SYN_RECV. */
    public static final int SYN_RECV = 3;
    /** FIN_WAIT. */
    public static final int FIN_WAIT = 4;
    /** TIME_WAIT. */
    public static final int TIME_WAIT = 5;
    /** CLOSE. */
    public static final int CLOSE = 6;
    /** CLOSE_WAIT. */
    public static final int CLOSE_WAIT = 7;
    /** LAST_ACK. */
    public static final int LAST_ACK = 8;
    /** LISTEN. */
    public static final int LISTEN = 9;
    /** SYNACK. */
    public static final int SYNACK = 10;
    /** Number of states. */
    public static final int COUNT = 11;

    /** Direction: client to director. */
    public static final int DIR_INPUT = 0;
    /** Direction: real server to director (NAT replies). */
    public static final int DIR_OUTPUT = 4;
    /** Direction: client to director for connections whose replies bypass it. */
    public static final int DIR_INPUT_ONLY = 8;

    /** Names as ipvsadm -Lc prints them. */
    private static final String[] NAMES = {
        "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
        "LAST_ACK", "LISTEN", "SYNACK"};

    private static final int NO = NONE;
    private static final int ES = ESTABLISHED;
    private static final int SS = SYN_SENT;
    private static final int SR = SYN_RECV;
    private static final int FW = FIN_WAIT;
    private static final int TW = TIME_WAIT;
    private static final int CL = CLOSE;
    private static final int CW = CLOSE_WAIT;
    private static final int LA = LAST_ACK;
    private static final int LI = LISTEN;
    private static final int SA = SYNACK;

    /** The normal table: [direction + flag row][state]. */
    public static final byte[][] NORMAL = table(new int[][] {
        //        NO  ES  SS  SR  FW  TW  CL  CW  LA  LI  SA       INPUT
        /*syn*/ {SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
        /*fin*/ {CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW},
        /*ack*/ {CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        /*rst*/ {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR},
        //                                                         OUTPUT
        /*syn*/ {SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR},
        /*fin*/ {TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW},
        /*ack*/ {ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES},
        /*rst*/ {CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL},
        //                                                         INPUT-ONLY
        /*syn*/ {SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
        /*fin*/ {CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW},
        /*ack*/ {CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        /*rst*/ {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
    });

    /** The secure_tcp table. */
    public static final byte[][] DOS = table(new int[][] {
        //        NO  ES  SS  SR  FW  TW  CL  CW  LA  LI  SA       INPUT
        /*syn*/ {SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SA},
        /*fin*/ {CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, SA},
        /*ack*/ {CL, ES, SS, SR, FW, TW, CL, CW, CL, LI, SA},
        /*rst*/ {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
        //                                                         OUTPUT
        /*syn*/ {SS, ES, SS, SA, SS, SS, SS, SS, SS, LI, SA},
        /*fin*/ {TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW},
        /*ack*/ {ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES},
        /*rst*/ {CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL},
        //                                                         INPUT-ONLY
        /*syn*/ {SA, ES, ES, SR, SA, SA, SA, SA, SA, SA, SA},
        /*fin*/ {CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW},
        /*ack*/ {CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        /*rst*/ {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
    });

    /** Default timeouts in seconds per state ({@code tcp_timeouts[]}). */
    private static final int[] DEFAULT_TIMEOUTS_S = {2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120};

    private TcpStates()
    {
    }

    private static byte[][] table(final int[][] rows)
    {
        final byte[][] t = new byte[12][COUNT];
        for (int r = 0; r < 12; r++)
        {
            for (int s = 0; s < COUNT; s++)
            {
                t[r][s] = (byte)rows[r][s];
            }
        }
        return t;
    }

    /**
     * The kernel's {@code tcp_state_idx}: RST, then SYN, then FIN, then ACK decide the row.
     *
     * @param tcpFlags the flags byte.
     * @return 0 syn, 1 fin, 2 ack, 3 rst, or -1 for none of them.
     */
    public static int row(final int tcpFlags)
    {
        if (0 != (tcpFlags & 0x04))
        {
            return 3;
        }
        if (0 != (tcpFlags & 0x02))
        {
            return 0;
        }
        if (0 != (tcpFlags & 0x01))
        {
            return 1;
        }
        if (0 != (tcpFlags & 0x10))
        {
            return 2;
        }
        return -1;
    }

    /**
     * The next state ({@code set_tcp_state}).
     *
     * @param table {@link #NORMAL} or {@link #DOS}.
     * @param direction {@link #DIR_INPUT}, {@link #DIR_OUTPUT} or {@link #DIR_INPUT_ONLY}.
     * @param state current state.
     * @param tcpFlags the segment's flags.
     * @return the new state.
     */
    public static int next(final byte[][] table, final int direction, final int state, final int tcpFlags)
    {
        final int r = row(tcpFlags);
        if (r < 0)
        {
            return CLOSE;
        }
        return table[direction + r][state];
    }

    /**
     * @param state a state.
     * @return its name as ipvsadm prints it.
     */
    public static String name(final int state)
    {
        return state >= 0 && state < COUNT ? NAMES[state] : "ERR!";
    }

    /** @return a fresh copy of the default timeouts, seconds per state. */
    public static int[] defaultTimeoutsSeconds()
    {
        return DEFAULT_TIMEOUTS_S.clone();
    }
}

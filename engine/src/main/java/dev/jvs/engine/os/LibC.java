package dev.jvs.engine.os;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc calls the packet I/O needs, bound directly (JNA direct mapping: no per-call reflection or
 * allocation). Calls return -1 and leave errno for {@link #errno()}, as in C.
 */
public final class LibC
{
    /** AF_PACKET. */
    public static final int AF_PACKET = 17;
    /** SOCK_RAW. */
    public static final int SOCK_RAW = 3;
    /** AF_UNIX. */
    public static final int AF_UNIX = 1;
    /** SOCK_DGRAM. */
    public static final int SOCK_DGRAM = 2;
    /** SOL_PACKET. */
    public static final int SOL_PACKET = 263;
    /** PACKET_RX_RING. */
    public static final int PACKET_RX_RING = 5;
    /** PACKET_VERSION. */
    public static final int PACKET_VERSION = 10;
    /** PACKET_TX_RING. */
    public static final int PACKET_TX_RING = 13;
    /** getsockopt: struct tpacket_stats(_v3), reset by each read. */
    public static final int PACKET_STATISTICS = 6;
    /** PACKET_LOSS: a TX ring skips a malformed frame instead of stopping at it. */
    public static final int PACKET_LOSS = 14;
    /** PACKET_VNET_HDR: frames carry a struct virtio_net_hdr first. */
    public static final int PACKET_VNET_HDR = 15;
    /** PACKET_FANOUT. */
    public static final int PACKET_FANOUT = 18;
    /** PACKET_QDISC_BYPASS. */
    public static final int PACKET_QDISC_BYPASS = 20;
    /** PACKET_ADD_MEMBERSHIP. */
    public static final int PACKET_ADD_MEMBERSHIP = 1;
    /** PACKET_MR_ALLMULTI. */
    public static final int PACKET_MR_ALLMULTI = 2;
    /** PACKET_MR_UNICAST: add a unicast address to the interface's filter (dropped with the socket). */
    public static final int PACKET_MR_UNICAST = 3;
    /** PACKET_IGNORE_OUTGOING. */
    public static final int PACKET_IGNORE_OUTGOING = 23;
    /** TPACKET_V2. */
    public static final int TPACKET_V2 = 1;
    /** TPACKET_V3. */
    public static final int TPACKET_V3 = 2;
    /** ETH_P_ALL, host order. */
    public static final int ETH_P_ALL = 0x0003;
    /** PROT_READ | PROT_WRITE. */
    public static final int PROT_RW = 3;
    /** MAP_SHARED. */
    public static final int MAP_SHARED = 1;
    /** MAP_LOCKED is not used: rings are small; MAP_POPULATE pre-faults them. */
    public static final int MAP_POPULATE = 0x8000;
    /** POLLIN. */
    public static final short POLLIN = 1;
    /** MSG_DONTWAIT. */
    public static final int MSG_DONTWAIT = 0x40;
    /** SIOCGIFHWADDR. */
    public static final int SIOCGIFHWADDR = 0x8927;
    /** AF_INET. */
    public static final int AF_INET = 2;
    /** IPPROTO_IPIP. */
    public static final int IPPROTO_IPIP = 4;
    /** AF_INET6. */
    public static final int AF_INET6 = 10;
    /** IPPROTO_IPV6: IPv6 in IPv6 (ip6ip6). */
    public static final int IPPROTO_IPV6 = 41;
    /** O_RDWR. */
    public static final int O_RDWR = 2;
    /** TUNSETIFF. */
    public static final long TUNSETIFF = 0x400454caL;
    /** IFF_TUN. */
    public static final short IFF_TUN = 0x0001;
    /** IFF_NO_PI. */
    public static final short IFF_NO_PI = 0x1000;
    /** EAGAIN. */
    public static final int EAGAIN = 11;
    /** EINTR. */
    public static final int EINTR = 4;

    static
    {
        Native.register(LibC.class, "c");
    }

    private LibC()
    {
    }

    /** socket(2). */
    public static native int socket(int domain, int type, int protocol);

    /** setsockopt(2). */
    public static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    /**
     * @param fd socket.
     * @param level option level.
     * @param name option.
     * @param value where the value goes.
     * @param length in: room at value, out: bytes written (a socklen_t).
     * @return 0, or -1 with errno.
     */
    public static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length);

    /** bind(2). */
    public static native int bind(int fd, Pointer addr, int length);

    /** mmap(2). */
    public static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    /** munmap(2). */
    public static native int munmap(Pointer addr, long length);

    /** poll(2). */
    public static native int poll(Pointer fds, long nfds, int timeoutMs);

    /** sendmmsg(2). */
    public static native int sendmmsg(int fd, Pointer msgs, int vlen, int flags);

    /** sendto(2). */
    public static native long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrLen);

    /** close(2). */
    public static native int close(int fd);

    /** if_nametoindex(3). */
    public static native int if_nametoindex(String name);

    /** ioctl(2) with a pointer argument. */
    public static native int ioctl(int fd, long request, Pointer arg);

    /** open(2). */
    public static native int open(String path, int flags);

    /** read(2). */
    public static native long read(int fd, Pointer buf, long count);

    /** write(2). */
    public static native long write(int fd, Pointer buf, long count);

    /** recv(2). */
    public static native long recv(int fd, Pointer buf, long len, int flags);

    /** setpriority(2): on Linux, with PRIO_PROCESS and who 0, the calling thread's nice value. */
    public static native int setpriority(int which, int who, int prio);

    /** SCHED_FIFO. */
    public static final int SCHED_FIFO = 1;
    /** SCHED_RESET_ON_FORK: threads (and processes) this one creates start SCHED_OTHER. */
    public static final int SCHED_RESET_ON_FORK = 0x40000000;

    /**
     * sched_setscheduler(2): with pid 0, the calling thread (struct sched_param { int sched_priority; }).
     *
     * @param pid 0 for the calling thread.
     * @param policy {@link #SCHED_FIFO}.
     * @param param a struct sched_param.
     * @return 0, or -1 with errno.
     */
    public static native int sched_setscheduler(int pid, int policy, Pointer param);

    /**
     * Make the calling thread SCHED_FIFO at this priority; threads it starts later (control socket, checkers,
     * scripts) do not inherit it.
     *
     * @param priority 1..99.
     * @return null, or why it failed.
     */
    public static String realtime(final int priority)
    {
        try (com.sun.jna.Memory p = new com.sun.jna.Memory(4))
        {
            p.setInt(0, priority);
            return sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, p) < 0 ? strerror(errno()) : null;
        }
    }

    /**
     * sched_setaffinity(2): with pid 0, the calling thread.
     *
     * @param pid 0 for the calling thread.
     * @param size bytes of the mask.
     * @param mask a cpu_set_t.
     * @return 0, or -1 with errno.
     */
    public static native int sched_setaffinity(int pid, long size, Pointer mask);

    /**
     * Pin the calling thread to one CPU.
     *
     * @param cpu the CPU number, 0..1023.
     * @return null, or why it failed.
     */
    public static String pin(final int cpu)
    {
        try (com.sun.jna.Memory m = new com.sun.jna.Memory(128))
        {
            m.clear();
            m.setByte(cpu / 8, (byte)(1 << (cpu % 8)));
            return sched_setaffinity(0, 128, m) < 0 ? strerror(errno()) : null;
        }
    }

    /** getuid(2). */
    public static native int geteuid();

    private static native Pointer signal(int signum, Pointer handler);

    /**
     * Ignore a signal the JVM does not use (SIG_IGN): a real-time signal would otherwise end the process.
     *
     * @param signum the signal.
     */
    public static void ignoreSignal(final int signum)
    {
        signal(signum, new Pointer(1));
    }

    /** @return errno of the last call on this thread. */
    public static int errno()
    {
        return Native.getLastError();
    }

    /**
     * @param errno an errno.
     * @return its description.
     */
    public static String strerror(final int errno)
    {
        return switch (errno)
        {
            case 1 -> "operation not permitted (run as root)";
            case 19 -> "no such device";
            case 13 -> "permission denied (run as root)";
            case 22 -> "invalid argument";
            case 12 -> "cannot allocate memory";
            case 97 -> "address family not supported";
            default -> "errno " + errno;
        };
    }
}

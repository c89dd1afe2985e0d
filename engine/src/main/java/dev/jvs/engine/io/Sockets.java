package dev.jvs.engine.io;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;

/** Small helpers over setsockopt and interface queries. */
public final class Sockets
{
    private Sockets()
    {
    }

    static void setInt(final int fd, final int level, final int name, final int value, final String what)
        throws PacketIoException
    {
        final Memory v = new Memory(4);
        v.setInt(0, value);
        if (LibC.setsockopt(fd, level, name, v, 4) < 0)
        {
            throw new PacketIoException(what + ": " + LibC.strerror(LibC.errno()));
        }
    }

    static boolean trySetInt(final int fd, final int level, final int name, final int value)
    {
        final Memory v = new Memory(4);
        v.setInt(0, value);
        return LibC.setsockopt(fd, level, name, v, 4) >= 0;
    }

    /**
     * Have the interface accept frames to another unicast MAC (VRRP's virtual router MAC) while the socket
     * lives: struct packet_mreq { int mr_ifindex; unsigned short mr_type, mr_alen; unsigned char
     * mr_address[8]; } with PACKET_MR_UNICAST (dev_uc_add; promiscuous on a NIC without unicast filters).
     *
     * @param fd an AF_PACKET socket.
     * @param ifindex the interface.
     * @param mac the MAC, low 48 bits.
     * @throws PacketIoException when the kernel refuses.
     */
    public static void acceptUnicast(final int fd, final int ifindex, final long mac) throws PacketIoException
    {
        try (Memory mreq = new Memory(16))
        {
            mreq.clear();
            mreq.setInt(0, ifindex);
            mreq.setShort(4, (short)LibC.PACKET_MR_UNICAST);
            mreq.setShort(6, (short)6);
            for (int i = 0; i < 6; i++)
            {
                mreq.setByte(8 + i, (byte)(mac >>> (40 - 8 * i)));
            }
            if (LibC.setsockopt(fd, LibC.SOL_PACKET, LibC.PACKET_ADD_MEMBERSHIP, mreq, 16) < 0)
            {
                throw new PacketIoException("PACKET_ADD_MEMBERSHIP " + String.format("%012x", mac) + ": " +
                    LibC.strerror(LibC.errno()));
            }
        }
    }

    /**
     * @param name interface name.
     * @return its index.
     * @throws PacketIoException when there is no such interface.
     */
    public static int ifindex(final String name) throws PacketIoException
    {
        final int i = LibC.if_nametoindex(name);
        if (0 == i)
        {
            throw new PacketIoException("no interface named " + name);
        }
        return i;
    }

    /**
     * @param name interface name.
     * @return its MAC address in the low 48 bits.
     * @throws PacketIoException when it cannot be read.
     */
    public static long mac(final String name) throws PacketIoException
    {
        final int fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        if (fd < 0)
        {
            throw new PacketIoException("socket(AF_PACKET): " + LibC.strerror(LibC.errno()));
        }
        try
        {
            final Memory ifr = new Memory(40);
            ifr.clear();
            final byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            ifr.write(0, n, 0, Math.min(n.length, 15));
            if (LibC.ioctl(fd, LibC.SIOCGIFHWADDR, ifr) < 0)
            {
                throw new PacketIoException("SIOCGIFHWADDR " + name + ": " + LibC.strerror(LibC.errno()));
            }
            long mac = 0;
            for (int i = 0; i < 6; i++)
            {
                mac = (mac << 8) | (ifr.getByte(18 + i) & 0xFF);
            }
            return mac;
        }
        finally
        {
            LibC.close(fd);
        }
    }
}

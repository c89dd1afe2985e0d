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

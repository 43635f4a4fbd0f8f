using System.Net;
using System.Net.Sockets;

namespace Halon.Ctl.Demo;

/// <summary>Free TCP ports on 127.0.0.1, taken from the kernel by binding port 0.</summary>
internal static class FreePorts
{
    /// <summary>
    /// Returns <paramref name="count"/> distinct ports that were free a moment ago. All are held open until all are
    /// chosen, so the kernel cannot hand out the same one twice.
    /// </summary>
    public static IReadOnlyList<int> Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Halon.Transport.Tcp.Handshake;

namespace Halon.Transport.Tcp.Connections;

/// <summary>The transport's open connections after their handshake, for status. Thread-safe.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, Entry> _open = new();
    private long _nextId;

    public int Count => _open.Count;

    /// <summary>Records an established connection; dispose the result when it closes.</summary>
    public IDisposable Add(HandshakeResult handshake, string remote, string direction)
    {
        var id = Interlocked.Increment(ref _nextId);
        _open[id] = new Entry(handshake.Remote?.Value ?? "halonctl", remote, direction, handshake.Mode.Name(), handshake.KeyId, Stopwatch.GetTimestamp(), handshake.Remote is null);
        return new Removal(this, id);
    }

    /// <summary>The connections now: node connections before halonctl ones, by peer; at most <paramref name="listedMax"/> listed.</summary>
    public (List<ConnectionStatus> Listed, int Total, List<KeyUse> ByKey) Snapshot(int listedMax)
    {
        var all = _open.Values.ToList();
        var now = Stopwatch.GetTimestamp();
        var listed = all
            .OrderBy(e => e.Control)
            .ThenBy(e => e.Peer, StringComparer.Ordinal)
            .ThenBy(e => e.Direction, StringComparer.Ordinal)
            .Take(listedMax)
            .Select(e => new ConnectionStatus(e.Peer, e.Remote, e.Direction, e.Mode, e.KeyId, (long)Stopwatch.GetElapsedTime(e.StartedAt, now).TotalSeconds))
            .ToList();
        var byKey = all
            .GroupBy(e => (e.Mode, e.KeyId))
            .Select(g => new KeyUse(g.Key.Mode, g.Key.KeyId, g.Count()))
            .OrderByDescending(k => k.Connections)
            .Take(WireProtocol.KeyUsesMax)
            .ToList();
        return (listed, all.Count, byKey);
    }

    private sealed record Entry(string Peer, string Remote, string Direction, string Mode, string? KeyId, long StartedAt, bool Control);

    private sealed class Removal(ConnectionRegistry registry, long id) : IDisposable
    {
        public void Dispose() => registry._open.TryRemove(id, out _);
    }
}

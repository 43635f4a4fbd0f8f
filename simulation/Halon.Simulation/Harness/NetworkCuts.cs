namespace Halon.Simulation.Harness;

/// <summary>
/// Which directed links of the simulated network are cut. Satellites talk only with station peers, never with each
/// other, so only links with a peer at one end or both are stored: 2·P·N flags rather than N² (a station with 100,000
/// satellites needs 1.4 million, not ten billion). The peers are the nodes 0..P-1.
/// </summary>
internal sealed class NetworkCuts
{
    private readonly int _peers;
    private readonly int _nodes;
    private readonly bool[] _fromPeer; // [peer * _nodes + to]
    private readonly bool[] _toPeer; // [from * _peers + peer], for satellites as senders

    public NetworkCuts(int peers, int nodes)
    {
        _peers = peers;
        _nodes = nodes;
        _fromPeer = new bool[peers * nodes];
        _toPeer = new bool[nodes * peers];
    }

    /// <summary>Whether the link from <paramref name="from"/> to <paramref name="to"/> is cut.</summary>
    public bool IsCut(int from, int to) =>
        from < _peers ? _fromPeer[(from * _nodes) + to] : to < _peers && _toPeer[(from * _peers) + to];

    /// <summary>Whether the link can carry anything at all: at least one end is a station peer.</summary>
    public bool IsLink(int from, int to) => from < _peers || to < _peers;

    /// <summary>Cuts or restores one link; a link between two satellites carries nothing and is not stored.</summary>
    public void Set(int from, int to, bool cut)
    {
        if (from < _peers)
        {
            _fromPeer[(from * _nodes) + to] = cut;
        }
        else if (to < _peers)
        {
            _toPeer[(from * _peers) + to] = cut;
        }
    }

    /// <summary>Cuts every link (with a peer at one end) for which <paramref name="cut"/> holds.</summary>
    public void CutWhere(Func<int, int, bool> cut)
    {
        for (var from = 0; from < _nodes; from++)
        {
            for (var to = 0; to < _peers; to++)
            {
                if (cut(from, to))
                {
                    Set(from, to, true);
                }
            }
        }

        for (var from = 0; from < _peers; from++)
        {
            for (var to = _peers; to < _nodes; to++)
            {
                if (cut(from, to))
                {
                    Set(from, to, true);
                }
            }
        }
    }

    /// <summary>Restores every link.</summary>
    public void Clear()
    {
        Array.Clear(_fromPeer);
        Array.Clear(_toPeer);
    }
}

using Halon.Core.Identity;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Where coordinators run, judged by each node's clock rather than by what its core has processed: a coordinator is
/// live while its core says it runs and its node's clock is before its lease end. A stalled master whose clock has
/// passed its lease end has lost its authority already; FIFO inputs and the catch-up before every input make it stop
/// before it acts again.
/// </summary>
internal sealed class CoordinatorView
{
    private NodeId[] _ids = Array.Empty<NodeId>();
    private long[] _clocks = Array.Empty<long>();
    private bool[] _running = Array.Empty<bool>();
    private long[] _epoch = Array.Empty<long>();
    private long[] _leaseEnd = Array.Empty<long>();

    public int Count => _ids.Length;

    public NodeId Id(int node) => _ids[node];

    public long Clock(int node) => _clocks[node];

    public long Epoch(int node) => _epoch[node];

    public long LeaseEnd(int node) => _leaseEnd[node];

    public bool Running(int node) => _running[node];

    public bool IsLive(int node) => _running[node] && _clocks[node] < _leaseEnd[node];

    public void Setup(MonitorSetup setup)
    {
        var count = setup.Ids.Count;
        _ids = setup.Ids.ToArray();
        _clocks = new long[count];
        _running = new bool[count];
        _epoch = new long[count];
        _leaseEnd = new long[count];
    }

    public void Advance(ClockAdvanced clock)
    {
        for (var i = 0; i < _clocks.Length; i++)
        {
            _clocks[i] = Math.Max(_clocks[i], clock.Clocks[i]);
        }
    }

    public void Apply(NodeReport report)
    {
        var node = report.Node;
        _clocks[node] = Math.Max(_clocks[node], report.Clock);
        _running[node] = report.Up && report.CoordinatorRunning;
        _epoch[node] = _running[node] ? report.CoordinatorEpoch : 0;
        _leaseEnd[node] = report.Up ? report.LeaseEnd : 0;
    }

    /// <summary>The first node other than <paramref name="node"/> with a live coordinator, or -1.</summary>
    public int OtherLive(int node)
    {
        for (var i = 0; i < _ids.Length; i++)
        {
            if (i != node && IsLive(i))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Any node with a live coordinator, or -1.</summary>
    public int AnyLive() => OtherLive(-1);
}

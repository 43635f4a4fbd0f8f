using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Persist before send: a vote, a candidate's own vote, a term, or an append's match must be on the node's disk before
/// the message that vouches for it leaves. The node actor compares each batch with its disk and reports any gap here.
/// </summary>
public sealed class Durability : Monitor
{
    [Start]
    [OnEventDoAction(typeof(DurabilityReport), nameof(OnGap))]
    [IgnoreEvents(typeof(MonitorSetup))]
    private sealed class Watching : State
    {
    }

    private void OnGap(Event e)
    {
        var report = (DurabilityReport)e;
        Assert(false, "{0}", $"[Durability] {report.Id} sent {report.Problem} before it was durable");
    }
}

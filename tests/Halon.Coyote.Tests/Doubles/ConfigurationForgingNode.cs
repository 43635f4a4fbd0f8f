using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: a master's host that, when it sends a configuration entry its core has not committed yet,
/// forges a second one right behind it (the same voters, no learner): two changes in flight at once, the classic
/// membership bug. ConfigurationChangeInFlight must catch the follower that stores both.
/// </summary>
public sealed class ConfigurationForgingNode : NodeActor
{
    protected override void OnSending(HalonNode core, in Ready ready, Message? input, List<Message> batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is AppendEntries { Entries.Count: > 0 } append && append.Entries[^1] is { Command: StationConfigCommand configured } last && last.Index > core.CommitIndex)
            {
                var forged = new LogEntry(last.Index + 1, last.Term, new StationConfigCommand(StationConfig.Of(configured.Config.Voters)));
                batch[i] = append with { Entries = [.. append.Entries, forged] };
            }
        }
    }
}

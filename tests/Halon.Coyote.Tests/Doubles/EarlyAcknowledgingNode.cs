using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: a master acknowledges a satellite as soon as it appends the acknowledgement to its log, before
/// a majority has committed it. If the entry is then lost in a failover, AckDurability must catch the coordinator
/// that starts without the satellite.
/// </summary>
public sealed class EarlyAcknowledgingNode : NodeActor
{
    protected override void OnSending(HalonNode core, in Ready ready, Message? input, List<Message> batch)
    {
        if (core.State != Halon.Core.SupervisorState.Master)
        {
            return;
        }

        foreach (var entry in ready.Entries)
        {
            if (entry.Command is SatelliteAcknowledgedCommand command && entry.Term == core.Term && entry.Index > core.CommitIndex)
            {
                batch.Add(new NodeUpAck(core.Id, command.Satellite, command.Incarnation, core.Term));
            }
        }
    }
}

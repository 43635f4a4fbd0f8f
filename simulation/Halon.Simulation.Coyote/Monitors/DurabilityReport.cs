using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>A node actor found a message about to leave that vouches for something its disk does not hold yet.</summary>
public sealed class DurabilityReport : Monitor.Event
{
    /// <summary>The sender.</summary>
    public required NodeId Id { get; init; }

    /// <summary>What the message vouched for and what the disk held.</summary>
    public required string Problem { get; init; }
}

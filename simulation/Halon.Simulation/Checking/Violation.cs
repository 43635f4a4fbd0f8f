namespace Halon.Simulation.Checking;

/// <summary>A broken invariant, when (in ticks of simulated time) and what exactly.</summary>
public sealed record Violation(Invariant Invariant, double AtTick, string Message)
{
    /// <summary>The invariant's name as printed and in JSON.</summary>
    public string InvariantName => Invariant switch
    {
        Invariant.ElectionSafety => "election-safety",
        Invariant.CoordinatorExclusivity => "coordinator-exclusivity",
        Invariant.AckDurability => "ack-durability",
        Invariant.LogMatching => "log-matching",
        Invariant.Liveness => "liveness",
        Invariant.LeaseRule => "lease-rule",
        Invariant.StaleMessage => "stale-message",
        Invariant.Fencing => "fencing",
        Invariant.RunLimit => "run-limit",
        Invariant.Durability => "durability",
        Invariant.Decommission => "decommission",
        Invariant.ConfigurationChange => "config-change",
        Invariant.ConfigurationAgreement => "config-agreement",
        Invariant.QuorumIntersection => "quorum-intersection",
        _ => "core-assertion",
    };

    public override string ToString() => $"[{InvariantName}] at tick {AtTick:0.###}: {Message}";
}

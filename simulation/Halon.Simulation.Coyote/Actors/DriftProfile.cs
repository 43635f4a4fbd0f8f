namespace Halon.Simulation.Coyote.Actors;

/// <summary>How a node's clock behaves within the drift bound, chosen per node and per iteration.</summary>
internal enum DriftProfile
{
    /// <summary>Ticks every round.</summary>
    Fast,

    /// <summary>Skips every round the drift bound allows: the slowest clock there may be.</summary>
    Slow,

    /// <summary>Skips some of the rounds the bound allows, as chosen by Coyote.</summary>
    Wobbly,
}

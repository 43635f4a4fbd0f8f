namespace Halon.Core.Effects;

/// <summary>
/// The Recovery Coordinator started with <paramref name="Epoch"/> (= the master's term). <paramref name="Restart"/>
/// counts restarts within the same epoch (after a crash, or after the lease lapsed and was renewed).
/// <paramref name="SatellitesKnown"/> is the size of the state it starts from.
/// </summary>
public sealed record CoordinatorStarted(long Epoch, int Restart, int SatellitesKnown) : Effect;

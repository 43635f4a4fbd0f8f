namespace Halon.Simulation.Harness;

/// <summary>What a scheduled simulation event does.</summary>
internal enum EventKind : byte
{
    Tick,
    Deliver,
    Restart,
    Resume,
    Nemesis,
    Heal,
    Command,
    LivenessCheck,
}

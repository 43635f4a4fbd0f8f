using Halon.Core;

namespace Halon.Simulation.Harness;

/// <summary>The shape of one simulated run. One <see cref="Seed"/> determines everything else that is drawn.</summary>
public sealed record SimulationOptions
{
    /// <summary>The seed of the whole run.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Station peers (1 to 7).</summary>
    public int Peers { get; init; } = 5;

    /// <summary>Satellites.</summary>
    public int Satellites { get; init; } = 20;

    /// <summary>Length of the run, in ticks.</summary>
    public int Ticks { get; init; } = 2000;

    /// <summary>"none", "swarm" or a comma list of fault names.</summary>
    public string FaultSpec { get; init; } = "none";

    /// <summary>Ticks of the fault phase when faults are on; after it the cluster is healed and must converge.</summary>
    public int FaultPhaseTicks { get; init; } = 1000;

    /// <summary>After the heal (or the start, with no faults), a coordinator must run within this many ticks.</summary>
    public int LivenessCoordinatorTicksMax { get; init; } = 150;

    /// <summary>After the heal, every live satellite must be acknowledged within this many ticks.</summary>
    public int LivenessAcknowledgedTicksMax { get; init; } = 300;

    /// <summary>The protocol's timers.</summary>
    public ProtocolOptions Protocol { get; init; } = ProtocolOptions.Default;

    /// <summary>
    /// A deterministic membership scenario played on top of the faults: <c>none</c>, or <c>grow-shrink</c> (the
    /// station grows one voter at a time from <see cref="Peers"/> to <see cref="Limits.PeersMax"/>, then shrinks one
    /// at a time back to its start, at least 2, and again, for the whole fault phase).
    /// </summary>
    public string Membership { get; init; } = "none";

    /// <summary>The membership scenarios <see cref="Membership"/> accepts.</summary>
    public static IReadOnlyList<string> MembershipScenarios { get; } = ["none", "grow-shrink"];

    /// <summary>
    /// Spare nodes: machines beyond the initial peer set (named after it, <c>p{Peers + 1}</c>…), started with no role,
    /// that the operator may join and add to the station; satellites list them with the peers. -1 (the default)
    /// derives them from the run: up to <see cref="Limits.PeersMax"/> − <see cref="Peers"/> for <c>grow-shrink</c>,
    /// min(2, <see cref="Limits.PeersMax"/> − <see cref="Peers"/>) when the fault mix changes the peers, else none.
    /// </summary>
    public int Spares { get; init; } = -1;

    /// <summary>The spare nodes of a run whose fault mix is <paramref name="faults"/> (see <see cref="Spares"/>).</summary>
    public int SparesFor(FaultOptions faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (Spares >= 0)
        {
            return Spares;
        }

        if (Membership == "grow-shrink")
        {
            return Limits.PeersMax - Peers;
        }

        return faults.MembershipIntervalTicksMean > 0 ? Math.Min(2, Limits.PeersMax - Peers) : 0;
    }

    /// <summary>
    /// Most events the run may dispatch before it is stopped as a failure (0: <see cref="Simulation.DefaultEventsMax"/>).
    /// </summary>
    public long EventsMax { get; init; }

    /// <summary>Whether the run bootstraps every peer and satellite at its start (scripts do it themselves).</summary>
    public bool AutoBootstrap { get; init; } = true;

    /// <summary>
    /// Whether acknowledged satellites sleep through ticks that would do nothing (see <see cref="SatelliteTicksLazy"/>);
    /// always so above <see cref="LazySatelliteTicksAbove"/> satellites.
    /// </summary>
    public bool LazySatelliteTicks { get; init; }

    /// <summary>Above this many satellites, satellite ticks are lazy whatever <see cref="LazySatelliteTicks"/> says.</summary>
    public const int LazySatelliteTicksAbove = 10_000;

    /// <summary>Most satellites a run may have.</summary>
    public const int SatellitesMax = Limits.SatellitesMax;

    /// <summary>
    /// Whether the run issues an acknowledged satellite's ticks only when it next gets an input (in one burst, as
    /// <c>halond</c> does after sleeping until <c>TicksUntilNextTimer</c>), rather than one event per tick per satellite.
    /// </summary>
    public bool SatelliteTicksLazy => LazySatelliteTicks || Satellites > LazySatelliteTicksAbove;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Peers is < 1 or > Limits.PeersMax)
        {
            throw new ArgumentException($"--peers must be in 1..{Limits.PeersMax} (is {Peers})");
        }

        if (Satellites is < 0 or > SatellitesMax)
        {
            throw new ArgumentException($"--satellites must be in 0..{SatellitesMax} (is {Satellites})");
        }

        if (Ticks < 1)
        {
            throw new ArgumentException($"--ticks must be positive (is {Ticks})");
        }

        if (FaultSpec != "swarm")
        {
            FaultOptions.Parse(FaultSpec);
        }

        if (!MembershipScenarios.Contains(Membership))
        {
            throw new ArgumentException($"--membership must be one of {string.Join(", ", MembershipScenarios)} (is {Membership})");
        }

        if (Spares > Limits.PeersMax - Peers)
        {
            throw new ArgumentException($"peers and spares together must be at most {Limits.PeersMax}, the most a station (and a satellite's station list) may have (are {Peers} + {Spares})");
        }

        Protocol.Validate();
    }

    /// <summary>The command that replays this run.</summary>
    public string ReplayCommand =>
        $"halon-sim run --seed {Seed} --peers {Peers} --satellites {Satellites} --faults {FaultSpec} --ticks {Ticks}{(Membership != "none" ? $" --membership {Membership}" : string.Empty)}{(LazySatelliteTicks && Satellites <= LazySatelliteTicksAbove ? " --lazy-satellite-ticks" : string.Empty)}";
}

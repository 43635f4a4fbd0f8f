namespace Halon.Ctl.Bootstrap;

/// <summary>What a bootstrap makes of the nodes it acts on.</summary>
internal enum BootstrapKind
{
    /// <summary>Tracking-station peers, each running a Recovery Supervisor.</summary>
    Station,

    /// <summary>Satellites, each announcing itself to the station until the coordinator acknowledges it.</summary>
    Satellite,
}

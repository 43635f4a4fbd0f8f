using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Simulation.Coyote.Actors;
using Halon.Simulation.Coyote.Events;
using Halon.Simulation.Coyote.Monitors;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Testing;

/// <summary>The body of one Coyote test iteration: registers the monitors, creates every actor, then starts the clock.</summary>
public static class CoyoteCluster
{
    /// <summary>Node ids of a cluster: <c>p1:9070</c>… for peers and spares, then <c>s1:9070</c>… for satellites.</summary>
    public static IReadOnlyList<NodeId> Ids(CoyoteClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = new NodeId[options.Nodes];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = NodeId.Parse(i < options.StationNodes ? $"p{i + 1}:9070" : $"s{i - options.StationNodes + 1}:9070");
        }

        return ids;
    }

    /// <summary>Builds the cluster of <paramref name="options"/> in <paramref name="runtime"/> and starts the first round.</summary>
    public static void Start(IActorRuntime runtime, CoyoteClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CoverageCounter.IterationStarted();
        var ids = Ids(options);
        var station = PeerSet.Create(ids.Take(options.Peers));

        // Satellites list every station-capable machine, so that they reach a master whichever the configuration holds.
        var satelliteStation = PeerSet.Create(ids.Take(options.StationNodes));

        runtime.RegisterMonitor<ElectionSafety>();
        runtime.RegisterMonitor<CoordinatorExclusivity>();
        runtime.RegisterMonitor<AckDurability>();
        runtime.RegisterMonitor<Liveness>();
        runtime.RegisterMonitor<LeaseRule>();
        runtime.RegisterMonitor<Durability>();
        runtime.RegisterMonitor<ConfigurationChangeInFlight>();
        runtime.RegisterMonitor<QuorumIntersection>();
        var monitorSetup = new MonitorSetup(ids, options.StationNodes, options.Protocol.ElectionTimeoutTicks) { LeaseTicks = options.Protocol.LeaseTicks, Bootstrap = station };
        runtime.Monitor<CoordinatorExclusivity>(monitorSetup);
        runtime.Monitor<Liveness>(monitorSetup);
        runtime.Monitor<LeaseRule>(monitorSetup);
        runtime.Monitor<QuorumIntersection>(monitorSetup);

        // Every id exists before any actor runs, because sending to an id that is not bound yet fails.
        var nodes = new ActorId[ids.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = runtime.CreateActorIdFromName(options.NodeActorType, ids[i].Host);
        }

        var network = runtime.CreateActorIdFromName(typeof(NetworkActor), "network");
        var nemesis = runtime.CreateActorIdFromName(typeof(NemesisActor), "nemesis");
        var clock = runtime.CreateActorIdFromName(typeof(ClockActor), "clock");
        for (var i = 0; i < nodes.Length; i++)
        {
            var isPeer = i < options.StationNodes;
            var facts = new HostFacts(ids[i].Host, 2 + (i % 7), 4096L << (i % 3));
            runtime.CreateActor(nodes[i], options.NodeActorType, new NodeSetup(i, ids[i], isPeer, facts, isPeer ? station : satelliteStation, options.Protocol, network) { IsSpare = isPeer && i >= options.Peers });
        }

        runtime.CreateActor(network, typeof(NetworkActor), new NetworkSetup(options, nodes, ids, clock));
        runtime.CreateActor(nemesis, typeof(NemesisActor), new NemesisSetup(options, network));
        runtime.CreateActor(clock, typeof(ClockActor), new ClockSetup(options, nemesis, network));
        runtime.SendEvent(clock, new StartClock());
    }
}

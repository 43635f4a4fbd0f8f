namespace Halon.Simulation.Harness;

/// <summary>Partition shapes the nemesis chooses from (Jepsen's nemeses).</summary>
[Flags]
public enum PartitionKinds
{
    None = 0,

    /// <summary>Random halves, symmetric.</summary>
    Halves = 1,

    /// <summary>Random halves, one direction only.</summary>
    Asymmetric = 2,

    /// <summary>Two halves and one node that sees both.</summary>
    Bridge = 4,

    /// <summary>Every node sees its ring neighbours only: each sees a majority of 5, no two the same.</summary>
    MajorityRing = 8,

    /// <summary>The current master is cut off from everyone.</summary>
    IsolateMaster = 16,

    /// <summary>One random node is cut off from everyone.</summary>
    IsolateNode = 32,
}

namespace Halon.Simulation.Checking;

/// <summary>The invariants of DESIGN.md, numbered as there.</summary>
public enum Invariant
{
    /// <summary>1. At most one master per term.</summary>
    ElectionSafety = 1,

    /// <summary>2. At most one coordinator at any instant, and epochs increase.</summary>
    CoordinatorExclusivity = 2,

    /// <summary>3. Every acknowledged satellite is in the state of every later coordinator.</summary>
    AckDurability = 3,

    /// <summary>4. Log matching; committed entries are never lost or reordered.</summary>
    LogMatching = 4,

    /// <summary>5. Once faults stop, a coordinator runs and every live satellite is acknowledged within bounds.</summary>
    Liveness = 5,

    /// <summary>A node's own assertion threw (a bug in the core).</summary>
    CoreAssertion = 6,

    /// <summary>
    /// The rules the lease argument rests on: no vote or campaign within E ticks of accepting a master's heartbeat (or
    /// of a restart), a coordinator's authority ends before the earliest moment any follower could vote again under
    /// the drift bound, and a master that no majority answered for E ticks stops leading (check-quorum).
    /// </summary>
    LeaseRule = 7,

    /// <summary>A message of an older term changed a node's term, log, commit, master or state.</summary>
    StaleMessage = 8,

    /// <summary>A satellite accepted a coordinator's word of an older epoch than one it had already seen.</summary>
    Fencing = 9,

    /// <summary>A run did not finish within its event budget (an event storm or a livelock): a failure, never a hang.</summary>
    RunLimit = 10,

    /// <summary>
    /// A message left before what it vouches for was durable: a vote before the vote, a term before the term, an
    /// append's success before the entries (persist before send).
    /// </summary>
    Durability = 11,

    /// <summary>
    /// A coordinator acknowledged a satellite installation after a peer had applied its committed removal; only a new
    /// installation (the node bootstrapped again) may be acknowledged.
    /// </summary>
    Decommission = 12,

    /// <summary>
    /// Two configurations in a row in a node's log differ by more than one voter, or a log holds two configuration
    /// entries beyond the commit (two changes in flight at once), or a node appended a change without a running
    /// coordinator.
    /// </summary>
    ConfigurationChange = 13,

    /// <summary>
    /// A node's configuration in force is not the newest its log holds, or a committed configuration differs from the
    /// one committed at its index, or a node leads under a committed configuration that leaves it out.
    /// </summary>
    ConfigurationAgreement = 14,

    /// <summary>
    /// A decision (an election win, a commit, a live lease) did not rest on a majority of the deciding node's
    /// configuration, or that configuration's majorities need not meet those of another live coordinator's or of the
    /// newest committed configuration.
    /// </summary>
    QuorumIntersection = 15,
}

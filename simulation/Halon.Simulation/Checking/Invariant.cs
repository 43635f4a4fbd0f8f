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
}

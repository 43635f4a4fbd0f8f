namespace Halon.Simulation.Coyote.Testing;

/// <summary>Coyote's exploration strategies that Halon runs.</summary>
public enum CoyoteStrategy
{
    /// <summary>Uniformly random scheduling and choices (fair).</summary>
    Random,

    /// <summary>Probabilistic concurrency testing: priority-based scheduling with a few random priority changes (unfair).</summary>
    Pct,

    /// <summary>Random scheduling that keeps running the same actor with a high probability (fair).</summary>
    Probabilistic,

    /// <summary>Reinforcement learning that steers towards unexplored states (fair).</summary>
    QLearning,
}

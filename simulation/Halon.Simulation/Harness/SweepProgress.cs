namespace Halon.Simulation.Harness;

/// <summary>How far a sweep has come.</summary>
public readonly record struct SweepProgress(int Done, int Total, int FailedRuns, long Events, TimeSpan Elapsed);

namespace Halon.Coyote.Tests;

/// <summary>
/// Every Coyote test runs in this one collection, one at a time: the testing engine owns the process while it runs
/// (it controls every actor's thread), and the timings in docs/testing.md assume one engine at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CoyoteCollection
{
    public const string Name = "Coyote";
}

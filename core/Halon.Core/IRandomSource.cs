namespace Halon.Core;

/// <summary>
/// The core's only source of chance (election and back-off jitter). The simulator seeds it, Coyote controls it, and
/// the daemon hands in a real generator.
/// </summary>
public interface IRandomSource
{
    /// <summary>A value in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);
}

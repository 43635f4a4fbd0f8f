using Halon.Core;

namespace Halon.Daemon;

/// <summary>The daemon's source of chance: a real generator, seeded by the runtime.</summary>
internal sealed class SystemRandomSource : IRandomSource
{
    private readonly Random _random = new();

    public int Next(int maxExclusive) => _random.Next(maxExclusive);
}

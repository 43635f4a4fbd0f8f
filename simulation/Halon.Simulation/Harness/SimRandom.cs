using Halon.Core;

namespace Halon.Simulation.Harness;

/// <summary>
/// xoshiro256** seeded through SplitMix64: fast, and identical on every machine and process, so one seed replays a
/// whole run. Each node and the network get their own stream, derived from the run's seed and a stream number.
/// </summary>
public sealed class SimRandom : IRandomSource
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SimRandom(ulong seed, ulong stream = 0)
    {
        var x = seed ^ (stream * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <inheritdoc />
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        }

        // Lemire's multiply-shift: unbiased enough for simulation and branch-free.
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }

    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long NextInclusive(long min, long max) => min + (long)(NextUInt64() % (ulong)(max - min + 1));

    /// <summary>A double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="probability"/>; draws nothing when it is 0.</summary>
    public bool Chance(double probability) => probability > 0 && NextDouble() < probability;

    /// <summary>A double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + (NextDouble() * (max - min));

    /// <summary>
    /// In a sequence of trials that each hit with <paramref name="probability"/>, the index of the first hit from trial
    /// <paramref name="from"/> on (a geometric gap, one draw); <see cref="long.MaxValue"/> when nothing can hit. The
    /// same hits as one <see cref="Chance"/> per trial, in distribution, for the price of the hits.
    /// </summary>
    public long NextHitFrom(long from, double probability)
    {
        if (probability <= 0)
        {
            return long.MaxValue;
        }

        if (probability >= 1)
        {
            return from;
        }

        var u = 1.0 - NextDouble(); // (0, 1], so the logarithm is finite.
        var gap = Math.Floor(Math.Log(u) / Math.Log(1.0 - probability));
        return gap >= long.MaxValue - from ? long.MaxValue : from + (long)gap;
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

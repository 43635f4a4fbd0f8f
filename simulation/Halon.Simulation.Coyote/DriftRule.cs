namespace Halon.Simulation.Coyote;

/// <summary>
/// How far a node's clock may lag in the round model and still keep DESIGN.md's drift bound ρ: over any interval,
/// one node's tick count is at most ρ times another's, plus one tick. Every node ticks at most once per round; a
/// node may skip a round only if its previous skip is at least <see cref="SkipGapRounds"/> rounds back. With
/// K = ⌈1 / (ρ − 1)⌉ and skips at least K + 1 rounds apart, n rounds hold at most ⌈n / (K + 1)⌉ skips, and
/// n ≤ ρ · (n − ⌈n / (K + 1)⌉) + 1 for every n because ρ ≥ (K + 1) / K. The tests check the bound exhaustively.
/// </summary>
public static class DriftRule
{
    /// <summary>Rounds that must separate two skips of one node for <paramref name="clockDriftFactor"/> (0: never skip).</summary>
    public static int SkipGapRounds(double clockDriftFactor)
    {
        if (clockDriftFactor is < 1.0 or > 2.0)
        {
            throw new ArgumentOutOfRangeException(nameof(clockDriftFactor), clockDriftFactor, "the drift factor must be in [1, 2]");
        }

        if (clockDriftFactor - 1.0 < 1e-9)
        {
            return 0;
        }

        // 1 / (1.1 − 1) is 10.000000000000002 in binary floating point; the epsilon keeps K = 10, as intended.
        var k = (int)Math.Ceiling((1.0 / (clockDriftFactor - 1.0)) - 1e-9);
        return k + 1;
    }

    /// <summary>Whether a node whose last skip was at <paramref name="lastSkipRound"/> (-1: never) may skip <paramref name="round"/>.</summary>
    public static bool MaySkip(int round, int lastSkipRound, int skipGapRounds) =>
        skipGapRounds > 0 && (lastSkipRound < 0 || round - lastSkipRound >= skipGapRounds);
}

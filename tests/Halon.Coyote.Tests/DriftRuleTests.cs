using Halon.Simulation.Coyote;

namespace Halon.Coyote.Tests;

/// <summary>The round model's clock drift keeps DESIGN.md's bound, exhaustively over every interval, and no more.</summary>
public sealed class DriftRuleTests
{
    private const int Rounds = 400;

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(1.1, 11)]
    [InlineData(1.25, 5)]
    [InlineData(1.5, 3)]
    [InlineData(2.0, 2)]
    public void Skip_gap_follows_the_drift_factor(double rho, int gap)
    {
        Assert.Equal(gap, DriftRule.SkipGapRounds(rho));
    }

    [Theory]
    [InlineData(1.05)]
    [InlineData(1.1)]
    [InlineData(1.25)]
    [InlineData(1.5)]
    [InlineData(2.0)]
    public void The_slowest_allowed_clock_stays_within_rho_of_a_clock_that_never_skips(double rho)
    {
        var slow = SlowestTicks(DriftRule.SkipGapRounds(rho));
        Assert.Null(FirstViolation(slow, rho));
    }

    [Fact]
    public void Skipping_one_round_more_often_would_break_the_bound()
    {
        var gap = DriftRule.SkipGapRounds(1.1);
        var slow = SlowestTicks(gap - 1);
        Assert.NotNull(FirstViolation(slow, 1.1));
    }

    [Fact]
    public void A_node_never_skips_twice_within_the_gap()
    {
        Assert.True(DriftRule.MaySkip(1, -1, 11));
        Assert.False(DriftRule.MaySkip(11, 1, 11));
        Assert.True(DriftRule.MaySkip(12, 1, 11));
        Assert.False(DriftRule.MaySkip(5, -1, 0));
    }

    /// <summary>Ticks per round (0 or 1) of a clock that skips every round the rule allows.</summary>
    private static int[] SlowestTicks(int gap)
    {
        var ticks = new int[Rounds];
        var lastSkippedRound = -1;
        for (var round = 1; round <= Rounds; round++)
        {
            if (DriftRule.MaySkip(round, lastSkippedRound, gap))
            {
                lastSkippedRound = round;
            }
            else
            {
                ticks[round - 1] = 1;
            }
        }

        return ticks;
    }

    /// <summary>The first interval where a clock ticking every round beats ρ times the slow one plus one tick, or null.</summary>
    private static string? FirstViolation(int[] slow, double rho)
    {
        for (var from = 0; from < slow.Length; from++)
        {
            var slowTicks = 0;
            for (var to = from; to < slow.Length; to++)
            {
                slowTicks += slow[to];
                var fastTicks = to - from + 1;
                if (fastTicks > (rho * slowTicks) + 1 + 1e-9)
                {
                    return $"rounds {from + 1}..{to + 1}: fast {fastTicks}, slow {slowTicks}";
                }
            }
        }

        return null;
    }
}

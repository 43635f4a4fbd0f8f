using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Membership;

namespace Halon.Hosts.Tests;

/// <summary>What halonctl station --wait prints at each step of a change, judged on the master's configuration.</summary>
public sealed class ChangeProgressTests
{
    private const string A = "10.0.0.1:9070";
    private const string B = "10.0.0.2:9070";
    private const string C = "10.0.0.3:9070";
    private const string D = "10.0.0.4:9070";
    private static readonly NodeId s_c = NodeId.Parse(C);
    private static readonly NodeId s_d = NodeId.Parse(D);

    public static TheoryData<string, string, bool, string> Steps() => new()
    {
        // change, configuration (voters;learner:match:commit;retiring;index;committed), done, line
        { "add", $"{A},{B},{C};{D}:3:9;;10;false", false, $"learner {D} catching up: match 3 of 9; its entry waits for commit" },
        { "add", $"{A},{B},{C};{D}:9:10;;10;true", false, $"learner {D} catching up: match 9 of 10" },
        { "add", $"{A},{B},{C};{D}:-1:10;;10;true", false, $"learner {D} is catching up" },
        { "add", $"{A},{B},{C},{D};;;11;false", false, $"{D} promoted to voter; the configuration at index 11 waits for commit" },
        { "add", $"{A},{B},{C},{D};;;11;true", true, $"{D} is a voter; voters {A},{B},{C},{D}" },
        { "remove", $"{A},{B},{C};;;0;true", false, $"{C} is still in the configuration ({A},{B},{C}); asking the master again" },
        { "remove", $"{A},{B};;;12;false", false, $"{C} removed; the configuration at index 12 waits for commit" },
        { "remove", $"{A},{B};;;12;true", true, $"{C} is out of the configuration; voters {A},{B}" },
        { "replace", $"{A},{B},{C};{D}:4:13;{C};13;true", false, $"learner {D} catching up: match 4 of 13; {C} retires once it votes" },
        { "replace", $"{A},{B},{C},{D};;{C};14;true", false, $"{D} promoted to voter; the master removes {C} once a majority of the rest answers" },
        { "replace", $"{A},{B},{D};;;15;false", false, $"{C} removed, {D} votes; the configuration at index 15 waits for commit" },
        { "replace", $"{A},{B},{D};;;15;true", true, $"{D} replaced {C}; voters {A},{B},{D}" },
        { "replace", $"{A},{B},{C};;;0;true", false, $"the configuration ({A},{B},{C}) shows no replacement of {C} by {D} under way; asking the master again" },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void Each_step_of_a_change_has_its_line(string change, string configuration, bool done, string line)
    {
        MembershipChange asked = change switch
        {
            "add" => new AddPeer(s_d),
            "remove" => new RemovePeer(s_c),
            _ => new ReplacePeer(s_c, s_d),
        };

        var progress = ChangeProgress.Evaluate(asked, Parse(configuration));

        Assert.Equal(done, progress.Done);
        Assert.Equal(line, progress.Line);
        Assert.Equal(line.EndsWith("asking the master again", StringComparison.Ordinal), progress.Lost);
    }

    private static ConfigurationStatus Parse(string text)
    {
        var parts = text.Split(';');
        var learners = parts[1].Length == 0
            ? []
            : parts[1].Split(',').Select(l => l.Split(':')).Select(l => new LearnerStatus($"{l[0]}:{l[1]}", long.Parse(l[2], System.Globalization.CultureInfo.InvariantCulture), long.Parse(l[3], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        return new ConfigurationStatus(
            parts[0].Split(','),
            learners,
            parts[2].Length == 0 ? [] : parts[2].Split(','),
            long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture),
            bool.Parse(parts[4]),
            string.Empty);
    }
}

using Halon.Simulation.Scripting;
using Snapshooter;
using Snapshooter.Xunit;

namespace Halon.Simulation.Tests;

/// <summary>
/// Interaction scripts with golden output, in the style of etcd-io/raft's testdata. To change a golden file on
/// purpose, delete its .snap under __snapshots__, rerun, and review the diff.
/// </summary>
public sealed class ScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scripts"), "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_output_matches_its_golden_file(string name)
    {
        var output = ScriptRunner.Run(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripts", name + ".txt")));
        Assert.DoesNotContain(output, line => line.StartsWith("VIOLATION", StringComparison.Ordinal));
        Snapshot.Match(output, SnapshotNameExtension.Create(name));
    }

    [Fact]
    public void All_nine_scenarios_are_scripted()
    {
        var names = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scripts"), "*.txt").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        string[] required =
        [
            "bootstrap-3-peers", "five-peers-two-late", "isolated-master", "split-2-3", "master-crash-mid-replication",
            "follower-restart-catch-up", "satellites-across-failover", "duplicated-late-messages", "mismatched-peer-set",
        ];
        Assert.All(required, name => Assert.Contains(name, names));
    }

    [Fact]
    public void A_failed_expectation_names_its_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ScriptRunner.Run("cluster peers=3\nexpect coordinator\n"));
        Assert.Contains("script line 2", error.Message, StringComparison.Ordinal);
    }
}

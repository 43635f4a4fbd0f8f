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
        IReadOnlyList<string> output;
        try
        {
            output = ScriptRunner.Run(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripts", name + ".txt")));
        }
        catch (ScriptFailedException failure)
        {
            // The whole story, so a failing scenario can be read from the test log alone.
            Assert.Fail($"{failure.Message}{Environment.NewLine}{string.Join(Environment.NewLine, failure.Output)}");
            throw;
        }

        Assert.DoesNotContain(output, line => line.StartsWith("VIOLATION", StringComparison.Ordinal));
        Snapshot.Match(output, SnapshotNameExtension.Create(name));
    }

    [Fact]
    public void Every_required_scenario_is_scripted()
    {
        var names = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scripts"), "*.txt").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        string[] required =
        [
            "bootstrap-3-peers", "five-peers-two-late", "isolated-master", "split-2-3", "master-crash-mid-replication",
            "follower-restart-catch-up", "satellites-across-failover", "duplicated-late-messages", "mismatched-peer-set",
            // The lease holes and the incarnation fix, each failing before its fix.
            "restarted-peer-waits-out-the-lease", "vote-withheld-in-an-adopted-term", "reinstalled-satellite-acknowledged-again",
            "coordinator-restart-keeps-its-epoch",
            // etcd-io/raft's election tests, translated.
            "etcd-prevote-rejoining-node-does-not-disrupt", "etcd-check-quorum-master-steps-down", "etcd-disruptive-follower",
            "etcd-stuck-candidate-freed", "etcd-figure-8-earlier-term-not-committed-by-counting", "etcd-old-messages-ignored",
            "etcd-leader-cycle", "etcd-split-vote", "etcd-recv-vote",
            // Changing the station's peers.
            "membership-add-peer", "membership-remove-follower", "membership-remove-master", "membership-replace-dead-peer",
            "membership-refused-changes",
        ];
        Assert.All(required, name => Assert.Contains(name, names));
    }

    [Fact]
    public void A_failed_expectation_names_its_line_and_keeps_the_whole_output()
    {
        var error = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Run("cluster peers=3\nbootstrap-station all\nrun 30\nexpect no-coordinator\n"));
        Assert.Contains("script line 4", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Output, line => line.Contains("became master of term 1", StringComparison.Ordinal));
        Assert.Contains(error.Output, line => line.StartsWith("  EXPECTATION FAILED", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_assertion_says_what_it_found()
    {
        var error = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Run("cluster peers=3\nbootstrap-station all\nrun 30\nassert p1 state=follower term=7\n"));
        Assert.Contains("term is 1, expected 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("state is master, expected follower", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_violation_fails_the_script_even_without_an_expectation()
    {
        // Clocks far outside the stated drift bound: a slow master's lease outlives a fast follower's withholding.
        var script = """
            cluster peers=3 seed=3
            bootstrap-station all
            run-until coordinator max=100
            run 5
            drift p1 period=3
            isolate p1
            run 60
            """;
        var error = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Run(script));
        Assert.Contains("invariant was violated", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Output, line => line.StartsWith("VIOLATION [lease-rule]", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_command_lists_the_commands()
    {
        var error = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Run("cluster peers=3\nfrobnicate\n"));
        Assert.Contains("run-until coordinator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_is_no_node_is_an_error()
    {
        var error = Assert.Throws<ScriptFailedException>(() => ScriptRunner.Run("cluster peers=3\nbootstrap-station all\nrun-until master-is p9 max=50\nexpect coordinator\nassert p9 term=1\n"));
        Assert.Contains("no node named 'p9'", error.Message, StringComparison.Ordinal);
    }
}

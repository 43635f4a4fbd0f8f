using System.Security.Cryptography;
using Halon.Core.Status;
using Halon.Ctl.Demo;

namespace Halon.Hosts.Tests;

/// <summary>
/// One halond with a cluster key, bootstrapped as a one-peer station (so it is a master running a coordinator), shared
/// by the tests that attack its port: each test checks afterwards that the node still serves.
/// </summary>
public sealed class KeyedNodeFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; } = new(RandomNumberGenerator.GetBytes(32));

    internal LocalDaemon Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = (await Cluster.StartAsync(1))[0];
        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", Node.Listen.Value, "--cluster-key-file", Cluster.KeyFile!, "--wait", "--timeout", "60s");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Asserts the node still answers status and still runs its coordinator.</summary>
    internal async Task<NodeStatus> AssertStillServingAsync()
    {
        var status = await Cluster.WaitForAsync(Node, s => s.State == "master" && s.Coordinator is not null, "serving as master with a coordinator");
        Assert.True(Node.IsRunning, Cluster.Logs());
        return status;
    }

    /// <summary>Waits for the log line that reports the rejection of a connection from <paramref name="sourceAddress"/>.</summary>
    internal Task<string> RejectionLoggedAsync(string sourceAddress) =>
        Cluster.WaitForLogLineAsync(Node, $"rejected connection from {sourceAddress}:", TimeSpan.FromSeconds(20));
}

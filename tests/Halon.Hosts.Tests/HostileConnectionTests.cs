using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Halon.Hosts.Tests;

/// <summary>
/// Garbage, oversized, wrong-version, unauthenticated and idle connections against a real halond's port. Each must be
/// closed and logged with the peer's address, and the node must go on serving. (The transport's own tests do the same
/// in-process; these check the shipped daemon, its logging included.)
/// </summary>
public sealed class HostileConnectionTests : IClassFixture<KeyedNodeFixture>
{
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(20);
    private readonly KeyedNodeFixture _fixture;

    public HostileConnectionTests(KeyedNodeFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Garbage_bytes_instead_of_a_preamble_are_dropped_and_logged()
    {
        using var connection = await RawConnection.OpenAsync("127.0.0.21", _fixture.Node.Listen);
        var garbage = RandomNumberGenerator.GetBytes(64);
        garbage[0] = (byte)'G'; // Not the magic number, whatever the rest is.

        await connection.SendAsync(garbage);

        await connection.ReadUntilClosedAsync(s_closeTimeout);
        var line = await _fixture.RejectionLoggedAsync("127.0.0.21");
        Assert.Contains("magic", line, StringComparison.OrdinalIgnoreCase);
        await _fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task A_garbage_handshake_frame_is_dropped_and_logged()
    {
        using var connection = await RawConnection.OpenAsync("127.0.0.22", _fixture.Node.Listen);

        await connection.SendAsync(RawConnection.Opening(), RawConnection.LengthPrefix(40), RandomNumberGenerator.GetBytes(40));

        await connection.ReadUntilClosedAsync(s_closeTimeout);
        await _fixture.RejectionLoggedAsync("127.0.0.22");
        await _fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task An_oversized_length_prefix_is_dropped_and_logged()
    {
        using var connection = await RawConnection.OpenAsync("127.0.0.23", _fixture.Node.Listen);

        await connection.SendAsync(RawConnection.Opening(), RawConnection.LengthPrefix(0xFFFF_FFF0));

        await connection.ReadUntilClosedAsync(s_closeTimeout);
        var line = await _fixture.RejectionLoggedAsync("127.0.0.23");
        Assert.Contains("exceeds the limit", line, StringComparison.Ordinal);
        await _fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task A_wrong_protocol_version_is_answered_with_the_nodes_version_then_dropped_and_logged()
    {
        using var connection = await RawConnection.OpenAsync("127.0.0.24", _fixture.Node.Listen);

        await connection.SendAsync(RawConnection.Preamble(version: 99));

        var answer = await connection.ReadUntilClosedAsync(s_closeTimeout);
        Assert.True(answer.Length >= 8, $"{answer.Length} bytes");
        Assert.Equal(RawConnection.Magic, BinaryPrimitives.ReadUInt32BigEndian(answer));
        Assert.Equal(RawConnection.Version, BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(4)));
        var line = await _fixture.RejectionLoggedAsync("127.0.0.24");
        Assert.Contains("99", line, StringComparison.Ordinal);
        await _fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task A_wrong_or_missing_cluster_key_is_refused_with_a_clear_message_and_logged()
    {
        var wrongKey = Path.Combine(_fixture.Cluster.Root, "wrong.key");
        await File.WriteAllBytesAsync(wrongKey, RandomNumberGenerator.GetBytes(32));

        // halond logs at most one rejection per remote host per 10 s, and both of these come from 127.0.0.1: the
        // first one, the missing key, is the one whose log line is checked.
        var missing = await Ctl.RunAsync("status", "--node", _fixture.Node.Listen.Value);
        var wrong = await Ctl.RunAsync("status", "--node", _fixture.Node.Listen.Value, "--cluster-key-file", wrongKey);
        var fromEnvironment = await Ctl.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["HALON_CLUSTER_KEY_FILE"] = _fixture.Cluster.KeyFile! },
            "status", "--node", _fixture.Node.Listen.Value, "--json");

        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Contains($"{_fixture.Node.Listen}: authentication failed", wrong.Errors, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("authentication failed", missing.Errors, StringComparison.Ordinal);
        var line = await _fixture.RejectionLoggedAsync("127.0.0.1");
        Assert.Contains("halonctl has no cluster key, and this node requires one", line, StringComparison.Ordinal);
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        await _fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task A_hundred_idle_half_open_connections_are_each_dropped_and_logged_while_the_node_keeps_serving()
    {
        const int count = 100;
        var sources = Enumerable.Range(1, count).Select(i => $"127.0.1.{i}").ToList();
        var connections = new List<RawConnection>();
        try
        {
            foreach (var source in sources)
            {
                connections.Add(await RawConnection.OpenAsync(source, _fixture.Node.Listen));
            }

            // Half of them stop in the middle of the preamble; the other half never send a byte.
            for (var i = 0; i < count; i += 2)
            {
                await connections[i].SendAsync(RawConnection.Preamble()[..3]);
            }

            // While all of them hang open, the node still answers halonctl.
            var status = await Ctl.RunAsync("status", "--node", _fixture.Node.Listen.Value, "--cluster-key-file", _fixture.Cluster.KeyFile!, "--json");
            Assert.True(status.ExitCode == 0, status.ToString());

            await Task.WhenAll(connections.Select(c => c.ReadUntilClosedAsync(s_closeTimeout)));
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }

        for (var i = 0; i < count; i++)
        {
            var line = await _fixture.RejectionLoggedAsync(sources[i]);
            Assert.Contains("no complete handshake within", line, StringComparison.Ordinal);
        }

        await _fixture.AssertStillServingAsync();
    }
}

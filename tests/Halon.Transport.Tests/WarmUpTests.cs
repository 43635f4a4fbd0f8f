using Halon.Daemon;

namespace Halon.Transport.Tests;

/// <summary>halond's warm-up covers what a running node meets first: a bootstrap, a satellite, and a configuration change.</summary>
public sealed class WarmUpTests
{
    [Fact(Timeout = 60_000)]
    public async Task The_warm_up_acknowledges_a_satellite_and_adds_and_removes_a_peer()
    {
        var (satelliteAcknowledged, peerPromoted, peerLeft) = await Task.Run(WarmUp.Run);

        Assert.True(satelliteAcknowledged);
        Assert.True(peerPromoted);
        Assert.True(peerLeft);
    }
}

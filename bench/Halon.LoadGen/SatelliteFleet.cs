using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.LoadGen;

/// <summary>What a fleet of virtual satellites is and whom it announces to.</summary>
internal sealed record FleetOptions
{
    /// <summary>The station's peers, as a satellite is bootstrapped with them.</summary>
    public required PeerSet Station { get; init; }

    /// <summary>The cluster key (or TLS, or nothing), as the station peers run with.</summary>
    public required TransportSecurity Security { get; init; }

    /// <summary>The first two octets of every satellite's loopback address, e.g. <c>127.100</c>.</summary>
    public string AddressPrefix { get; init; } = "127.100";

    /// <summary>The port every satellite listens on, each on its own address.</summary>
    public int Port { get; init; } = 19070;

    /// <summary>Satellites in the whole run (all processes); this fleet plays <see cref="First"/> to <see cref="First"/> + <see cref="Count"/> - 1.</summary>
    public int Total { get; init; } = 1;

    public int First { get; init; }

    public int Count { get; init; } = 1;

    /// <summary>First announcements spread evenly over this time (all at once when zero).</summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.Zero;

    /// <summary>The satellites' peer timeout (<see cref="TransportOptions.WithPeerTimeout"/>): a fifth of it bounds a connect, and all of it a handshake (at least 2 s).</summary>
    public TimeSpan PeerTimeout { get; init; } = TransportOptions.DefaultPeerTimeout;

    /// <summary>A satellite's outbound connection with nothing to send for this long is closed (each fleet holds many).</summary>
    public TimeSpan OutboundIdleClose { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The satellites' addresses hold 250 hosts per third octet (.1 to .250), so no address ends in .0 or .255.</summary>
    public static IPAddress AddressOf(string prefix, int index) =>
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{index / 250}.{(index % 250) + 1}"));
}

/// <summary>What one fleet measured: timestamps are <see cref="Stopwatch"/> ticks, comparable across processes on one machine.</summary>
internal sealed record FleetResult(int Count, long FirstAnnouncedAt, long LastAcknowledgedAt, double[] LatenciesMs, string[] Acknowledged, long[] AcknowledgedAt, long Announcements, long Redirects, long Warnings, double CpuSeconds)
{
    public int AcknowledgedCount => Acknowledged.Length;
}

/// <summary>
/// Many virtual satellites in one process, driven by one loop thread: it ticks every satellite not yet acknowledged
/// each 10 ms (the daemon's tick), steps what their transports received, and sends what their nodes produced.
/// </summary>
internal sealed class SatelliteFleet : IAsyncDisposable
{
    private static readonly TimeSpan s_tickInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Below this many events stepped in one sweep over the satellites, the loop rests a millisecond before the next.</summary>
    private const int SweepEventsMin = 16;
    private readonly FleetOptions _options;
    private readonly List<VirtualSatellite> _satellites;
    private readonly WarningLog _log;

    private SatelliteFleet(FleetOptions options, List<VirtualSatellite> satellites, WarningLog log)
    {
        _options = options;
        _satellites = satellites;
        _log = log;
    }

    public IReadOnlyList<VirtualSatellite> Satellites => _satellites;

    /// <summary>Creates the satellites and starts their transports: each listens on its address before any announces.</summary>
    public static async Task<SatelliteFleet> StartAsync(FleetOptions options, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = new WarningLog(warnings);
        var satellites = new List<VirtualSatellite>(options.Count);
        var fleet = new SatelliteFleet(options, satellites, log);
        try
        {
            for (var i = options.First; i < options.First + options.Count; i++)
            {
                var address = FleetOptions.AddressOf(options.AddressPrefix, i);
                var id = NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"{address}:{options.Port}"));
                var transportOptions = new TransportOptions
                {
                    NodeId = id,
                    ListenEndPoint = new IPEndPoint(address, options.Port),
                    Security = options.Security,
                    Datagrams = false, // A satellite sends no heartbeats or votes: nothing of it travels as a datagram.
                    OutboundIdleCloseTimeout = options.OutboundIdleClose,
                    EventQueueCapacity = 64,
                    OutboundPeersMax = Limits.PeersMax + 1,
                    InboundConnectionsMax = 64,
                }.WithPeerTimeout(options.PeerTimeout);
                // Thousands of satellites share this process's CPU with the station under test, so a handshake may
                // wait for the generator's own threads; give it as long as the peer timeout (never less than halond's
                // 2 s), or the generator times out its own dials and redoes them from scratch.
                transportOptions = transportOptions with { HandshakeTimeout = TimeSpan.FromTicks(Math.Max(transportOptions.HandshakeTimeout.Ticks, options.PeerTimeout.Ticks)) };
                var transport = new TcpTransport(transportOptions, log);
                try
                {
                    transport.Start();
                }
                catch (SocketException e)
                {
                    await transport.DisposeAsync().ConfigureAwait(false);
                    throw new InvalidOperationException($"virtual satellite {i} cannot listen on {id}: {e.Message} (pick another --port or --address-prefix; raise the open-file limit if it says too many open files)", e);
                }

                satellites.Add(new VirtualSatellite(id, transport, ProtocolOptions.Default, unchecked((int)id.StableHash)));
            }
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return fleet;
    }

    /// <summary>
    /// Announces every satellite (spread over <see cref="FleetOptions.Ramp"/>) and drives them until all are
    /// acknowledged, <paramref name="timeout"/> runs out, or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public FleetResult Run(TimeSpan timeout, CancellationToken cancellationToken, Action<int, NodeId?>? progress = null)
    {
        var progressTicks = Stopwatch.Frequency / 20;
        var nextProgress = Stopwatch.GetTimestamp();
        NodeId? lastBy = null;
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var tickTicks = (long)(s_tickInterval.TotalSeconds * Stopwatch.Frequency);
        var rampTicks = (long)(_options.Ramp.TotalSeconds * Stopwatch.Frequency);
        var nextTick = started + tickTicks;
        var bootstrapped = 0;
        var unacknowledged = new List<VirtualSatellite>(_satellites.Count);
        var acknowledged = 0;
        while (acknowledged < _satellites.Count && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                break;
            }

            // First announcements: all at once, or the share of the ramp that is due.
            var due = rampTicks == 0 ? _satellites.Count : (int)Math.Min(_satellites.Count, ((now - started) * _satellites.Count / rampTicks) + 1);
            for (; bootstrapped < due; bootstrapped++)
            {
                var satellite = _satellites[bootstrapped];
                satellite.Bootstrap(_options.Station, string.Create(CultureInfo.InvariantCulture, $"vsat-{_options.First + bootstrapped:D6}"));
                unacknowledged.Add(satellite);
            }

            if (now >= nextTick)
            {
                nextTick = Math.Max(nextTick + tickTicks, now);
                for (var i = unacknowledged.Count - 1; i >= 0; i--)
                {
                    var satellite = unacknowledged[i];
                    if (satellite.Acknowledged)
                    {
                        unacknowledged[i] = unacknowledged[^1];
                        unacknowledged.RemoveAt(unacknowledged.Count - 1);
                        continue;
                    }

                    satellite.Tick();
                }
            }

            var stepped = 0;
            acknowledged = 0;
            foreach (var satellite in _satellites)
            {
                var wasAcknowledged = satellite.Acknowledged;
                stepped += satellite.StepEvents();
                acknowledged += satellite.Acknowledged ? 1 : 0;
                lastBy = !wasAcknowledged && satellite.Acknowledged ? satellite.AcknowledgedBy : lastBy;
            }

            if (progress is not null && Stopwatch.GetTimestamp() >= nextProgress)
            {
                progress(acknowledged, lastBy);
                nextProgress = Stopwatch.GetTimestamp() + progressTicks;
            }

            if (stepped < SweepEventsMin)
            {
                // A sweep polls every satellite's queue (a few hundred microseconds for thousands of them): while
                // answers trickle in, sweeping again at once would spend a core on polling empty queues.
                Thread.Sleep(1);
            }
        }

        progress?.Invoke(acknowledged, lastBy);
        return Result();
    }

    public FleetResult Result()
    {
        var announced = _satellites.Where(s => s.FirstAnnouncedAt != 0).ToArray();
        var done = _satellites.Where(s => s.Acknowledged).ToArray();
        var latencies = done.Select(s => (s.AcknowledgedAt - s.FirstAnnouncedAt) * 1000.0 / Stopwatch.Frequency).ToArray();
        return new FleetResult(
            _satellites.Count,
            announced.Length == 0 ? 0 : announced.Min(s => s.FirstAnnouncedAt),
            done.Length == 0 ? 0 : done.Max(s => s.AcknowledgedAt),
            latencies,
            done.Select(s => s.Id.Value).ToArray(),
            done.Select(s => s.AcknowledgedAt).ToArray(),
            _satellites.Sum(s => (long)s.Announcements),
            _satellites.Sum(s => (long)s.Redirects),
            _log.Warnings,
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds); // The generator's own cost, which shares the machine with the station.
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var satellite in _satellites)
        {
            await satellite.Transport.DisposeAsync().ConfigureAwait(false);
        }
    }
}

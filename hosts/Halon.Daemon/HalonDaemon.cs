using System.Net;
using System.Net.Sockets;
using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Daemon.Storage;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Connections;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>
/// One halond: the data dir, the protocol core and the TCP transport, driven by one loop. The loop is the only code
/// that touches the node: it issues due ticks, steps received messages, runs halonctl's commands, and after each
/// input drains the node's outputs in order: persist (durably), log the effects, send the messages, advance.
/// </summary>
internal sealed class HalonDaemon : IAsyncDisposable
{
    /// <summary>Events handled per loop turn before the loop looks at the clock again.</summary>
    private const int EventsPerTurnMax = 256;

    /// <summary>A jump of more ticks than this at once is logged as a stall.</summary>
    private const long StallTicksMin = 50;

    private readonly DaemonSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LogThrottle _dropThrottle = new(TimeSpan.FromSeconds(10));
    private DataDirectory? _dataDir;
    private HalonNode? _node;
    private TcpTransport? _transport;
    private TickClock? _clock;

    public HalonDaemon(DaemonSettings settings, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _settings = settings;
        _logger = loggerFactory.CreateLogger("halond");
        _time = time;
    }

    /// <summary>The node's id.</summary>
    public NodeId NodeId => _settings.NodeId;

    /// <summary>Where the transport listens (after <see cref="Start"/>).</summary>
    public IPEndPoint LocalEndPoint => Transport.LocalEndPoint;

    /// <summary>The transport (after <see cref="Start"/>).</summary>
    public TcpTransport Transport => _transport ?? throw new InvalidOperationException("the daemon is not started");

    /// <summary>
    /// Opens the data dir, builds the node from it, and listens. Returns once the node accepts connections (the moment
    /// to tell systemd READY=1; never wait for quorum). Throws <see cref="DaemonStartException"/>.
    /// </summary>
    public void Start()
    {
        WarmUp.Run();
        _dataDir = OpenDataDir();
        _node = CreateNode(_dataDir);
        var state = _dataDir.State;
        if (state.Role.Role == NodeRole.None)
        {
            DaemonLog.ListenMode(_logger, NodeId, _dataDir.Path);
        }
        else
        {
            DaemonLog.Resuming(_logger, NodeId, state.Role.Role, _dataDir.Path, state.HardState.Term, state.Log.Count, state.HardState.CommitIndex);
        }

        var transport = new TcpTransport(_settings.TransportOptions(), _logger);
        try
        {
            transport.Start();
        }
        catch (SocketException e)
        {
            throw new DaemonStartException($"cannot listen on {_settings.Listen}: {e.Message}", e);
        }

        _transport = transport;
        _clock = new TickClock(_time, DaemonSettings.TickInterval);
        var endPoint = transport.LocalEndPoint.ToString();
        DaemonLog.Listening(_logger, NodeId, endPoint, _settings.ClusterKey is null ? "no cluster key" : "cluster key required");
        if (_settings.ClusterKey is null && _settings.Insecure)
        {
            DaemonLog.Insecure(_logger, NodeId, endPoint);
        }

        if (_settings.KeyFileWarning is { } warning)
        {
            DaemonLog.KeyFileWarning(_logger, NodeId, warning);
        }
    }

    /// <summary>Runs the loop until <paramref name="cancellationToken"/> fires. Throws <see cref="DaemonFatalException"/> when the node must stop.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var node = _node ?? throw new InvalidOperationException("the daemon is not started");
        var transport = Transport;
        var clock = _clock!;
        var events = transport.Events;
        Guard(() => DrainReady(node)); // The constructor's outputs: a resumed satellite's new incarnation, for one.
        Task<bool>? eventsReady = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            IssueDueTicks(node, clock);
            var handled = 0;
            while (handled < EventsPerTurnMax && events.TryRead(out var transportEvent))
            {
                IssueDueTicks(node, clock);
                Guard(() => Handle(node, transportEvent));
                handled++;
            }

            if (handled > 0)
            {
                continue;
            }

            eventsReady ??= events.WaitToReadAsync(cancellationToken).AsTask();
            var tick = Task.Delay(clock.UntilNextTick(), _time, cancellationToken);
            await Task.WhenAny(eventsReady, tick).ConfigureAwait(false);
            if (eventsReady.IsCompleted)
            {
                if (eventsReady.IsCanceled || !eventsReady.Result)
                {
                    break;
                }

                eventsReady = null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }

        _dataDir?.Dispose();
        if (_node is not null)
        {
            DaemonLog.Stopped(_logger, NodeId);
        }
    }

    private DataDirectory OpenDataDir()
    {
        try
        {
            return DataDirectory.Open(_settings.DataDir, _logger);
        }
        catch (DataDirInUseException e)
        {
            throw new DaemonStartException(e.Message, e);
        }
        catch (DataDirCorruptException e)
        {
            throw new DaemonStartException($"{e.Message}; refusing to start (restore the data dir, or move it aside to start this node afresh)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot use data dir {_settings.DataDir}: {e.Message}", e);
        }
    }

    private HalonNode CreateNode(DataDirectory dataDir)
    {
        try
        {
            return new HalonNode(NodeId, _settings.Protocol, new SystemRandomSource(), HostFactsReader.Read(), dataDir.State);
        }
        catch (ArgumentException e)
        {
            throw new DaemonStartException($"data dir {dataDir.Path} holds a state the protocol rejects: {e.Message}; refusing to start (if --advertise changed, the node's id changed with it: start it with its old address)", e);
        }
    }

    private void IssueDueTicks(HalonNode node, TickClock clock)
    {
        var due = clock.Due;
        if (due <= 0)
        {
            return;
        }

        if (due >= StallTicksMin)
        {
            DaemonLog.Stall(_logger, NodeId, due, due * DaemonSettings.TickInterval.Ticks / TimeSpan.TicksPerMillisecond);
        }

        for (var i = 0; i < due; i++)
        {
            clock.Issue();
            Guard(() =>
            {
                node.Tick();
                DrainReady(node);
            });
        }
    }

    private void Handle(HalonNode node, TransportEvent transportEvent)
    {
        switch (transportEvent)
        {
            case MessageReceived received:
                var result = node.Step(received.Message);
                if (!result.Accepted)
                {
                    LogDrop(received.Message, result.DropReason ?? "no reason given");
                }

                DrainReady(node);
                break;
            case PeerUnreachable unreachable:
                node.ReportUnreachable(unreachable.Peer, unreachable.Problem, unreachable.Detail);
                break;
            case ControlRequested control:
                HandleControl(node, control);
                break;
        }
    }

    private void HandleControl(HalonNode node, ControlRequested control)
    {
        switch (control.Command)
        {
            case BootstrapStationCommand station:
            {
                var result = node.BecomeStationPeer(station.Peers);
                DrainReady(node); // Persisted before halonctl hears "done".
                DaemonLog.ControlCommand(_logger, NodeId, "station", station.Peers, result.Message);
                control.Reply(result);
                break;
            }

            case BootstrapSatelliteCommand satellite:
            {
                var result = node.BecomeSatellite(satellite.Station);
                DrainReady(node);
                DaemonLog.ControlCommand(_logger, NodeId, "satellite", satellite.Station, result.Message);
                control.Reply(result);
                break;
            }

            case GetStatusCommand:
                control.Reply(node.GetStatus());
                break;
            default:
                control.Fail($"unknown command {control.Command.GetType().Name}");
                break;
        }
    }

    /// <summary>Persist, then log effects, then send, then advance: never send what is not durable.</summary>
    private void DrainReady(HalonNode node)
    {
        if (!node.HasReady)
        {
            return;
        }

        var ready = node.GetReady();
        try
        {
            _dataDir!.Persist(ready);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DaemonLog.PersistFailed(_logger, e, NodeId, _settings.DataDir);
            throw new DaemonFatalException($"cannot write the data dir {_settings.DataDir}: {e.Message}", e);
        }

        foreach (var effect in ready.Effects)
        {
            LogEffect(effect);
        }

        foreach (var message in ready.Messages)
        {
            _transport!.Send(message);
        }

        node.Advance();
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (HalonInvariantException e)
        {
            DaemonLog.InvariantBroken(_logger, e, NodeId);
            throw new DaemonFatalException(e.Message, e);
        }
    }

    private void LogEffect(Effect effect)
    {
        switch (effect)
        {
            case SupervisorStateChanged changed:
                DaemonLog.StateChanged(_logger, NodeId, changed.From, changed.To, changed.Term, changed.Reason);
                break;
            case BecameMaster master:
                DaemonLog.BecameMaster(_logger, NodeId, master.Term);
                break;
            case CoordinatorStarted started:
                DaemonLog.CoordinatorStarted(_logger, NodeId, started.Epoch, started.Restart, started.SatellitesKnown);
                break;
            case CoordinatorStopped stopped:
                DaemonLog.CoordinatorStopped(_logger, NodeId, stopped.Epoch, stopped.Reason);
                break;
            case SatelliteAcknowledged acknowledged:
                DaemonLog.SatelliteAcknowledged(_logger, NodeId, acknowledged.Satellite, acknowledged.Incarnation, acknowledged.Hostname, acknowledged.Epoch);
                break;
            case IncarnationAdvanced advanced:
                DaemonLog.IncarnationAdvanced(_logger, NodeId, advanced.From, advanced.To, advanced.Recorded, advanced.By);
                break;
            case AnnouncementAcknowledged announcement:
                DaemonLog.AnnouncementAcknowledged(_logger, NodeId, announcement.Incarnation, announcement.By, announcement.Epoch);
                break;
            case StationListMismatch mismatch:
                if (_dropThrottle.ShouldLog("station list " + mismatch.Reported.ClusterId, out _))
                {
                    DaemonLog.StationListMismatch(_logger, NodeId, mismatch.Configured, mismatch.Configured.ClusterId, mismatch.ReportedBy, mismatch.Reported, mismatch.Reported.ClusterId, _settings.DataDir);
                }

                break;
            case RoleAssigned role:
                DaemonLog.RoleAssigned(_logger, NodeId, role.Role, role.Detail);
                break;
            case EntriesCommitted committed:
                DaemonLog.EntriesCommitted(_logger, NodeId, committed.FromIndex, committed.ToIndex);
                break;
        }
    }

    private void LogDrop(Message message, string reason)
    {
        var type = message.GetType().Name;
        if (_dropThrottle.ShouldLog(message.From.Value + " " + type, out var suppressed))
        {
            DaemonLog.MessageDropped(_logger, NodeId, type, message.From, reason, suppressed == 0 ? string.Empty : $" ({suppressed} similar lines suppressed)");
        }
    }
}
